using Apc.Cli.Commands;
using Apc.Compression.Pruning;
using Apc.Compression.Quantization;

namespace Apc.Tests.Cli;

/// <summary>--finetune-kd on the pruning and quantize sub-commands: logit distillation while fine-tuning, recorded in the step's
/// settings only when it is on (so stages cached without it stay recognised), refused where it does not apply.</summary>
public class FineTuneDistillationTests
{
    [Fact]
    public void KdAlphaReachesThePruningStageAndItsRecordedSettings()
    {
        var on = Assert.Single(CompressStages.Steps(new StructuredSettings { Teacher = "t.ckpt", Ratio = 0.3, FineTuneKd = 0.5 }));
        var stage = Assert.IsType<StructuredPruningStage>(on.Stage);
        Assert.Equal(0.5, stage.Distillation!.Alpha);
        Assert.Equal(4, stage.Distillation.Temperature);
        Assert.Equal(0.5, on.Config!["kd_alpha"]!.GetValue<double>());

        var off = Assert.Single(CompressStages.Steps(new UnstructuredSettings { Teacher = "t.ckpt" }));
        Assert.Null(Assert.IsType<UnstructuredPruningStage>(off.Stage).Distillation);
        Assert.False(off.Config!.ContainsKey("kd_alpha"));
        Assert.False(off.Config.ContainsKey("temperature"));
        var zero = Assert.Single(CompressStages.Steps(new UnstructuredSettings { Teacher = "t.ckpt", FineTuneKd = 0 }));
        Assert.Equal(off.Config.ToJsonString(), zero.Config!.ToJsonString());
    }

    [Fact]
    public void KdAlphaReachesTheQuantizeStage()
    {
        var on = Assert.Single(CompressStages.Steps(new QuantizeSettings { Teacher = "t.ckpt", Bits = 4, FineTuneKd = 0.9 }));
        Assert.Equal(0.9, Assert.IsType<QuantizationStage>(on.Stage).Distillation!.Alpha);
        Assert.Equal(0.9, on.Config!["kd_alpha"]!.GetValue<double>());
        var off = Assert.Single(CompressStages.Steps(new QuantizeSettings { Teacher = "t.ckpt", Bits = 4 }));
        Assert.Null(Assert.IsType<QuantizationStage>(off.Stage).Distillation);
        Assert.False(off.Config!.ContainsKey("kd_alpha"));
    }

    [Fact]
    public void KdAlphaIsRefusedWhereItDoesNotApply()
    {
        var error = Assert.Throws<UsageException>(() => Apc.Cli.ApcApp.Check(["compress", "kd", "--teacher", "t.ckpt", "--finetune-kd", "0.5"]));
        Assert.Contains("--finetune-kd is an option of quantize, structured and unstructured, not of compress kd", error.Message);
        error = Assert.Throws<UsageException>(() => Apc.Cli.ApcApp.Check(["compress", "quantize", "--teacher", "t.ckpt", "--no-qat", "--finetune-kd", "0.5"]));
        Assert.Contains("--no-qat does not fine-tune", error.Message);
        error = Assert.Throws<UsageException>(() => Apc.Cli.ApcApp.Check(["compress", "structured", "--teacher", "t.ckpt", "--finetune-kd", "1.5"]));
        Assert.Contains("--finetune-kd must be in [0, 1]", error.Message);
    }
}
