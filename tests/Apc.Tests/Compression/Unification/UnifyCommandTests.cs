using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Compression.Unification;

namespace Apc.Tests.Compression.Unification;

public class UnifyCommandTests : IClassFixture<CompressCli>
{
    readonly CompressCli cli;
    public UnifyCommandTests(CompressCli cli) { this.cli = cli; }

    [Fact]
    public void UnifySubCommandWritesAUnifiedNetworkThatInfoDescribesAndExportWritesDense()
    {
        using var dir = new TempFolder();
        var (code, error) = CompressCli.Run("compress", "unify", "--teacher", cli.TeacherPath, "--block-shape", "1x3", "--zero-fraction", "0.25",
            "--rho", "0.5", "--rho-growth", "3", "--admm-iterations", "1", "--admm-epochs", "1", "--match", "wcam", "--epochs", "1", "--out", dir.Path);
        Assert.True(code == 0, error);

        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "metrics.json")))!.AsObject();
        Assert.Equal("unify", metrics["method"]!.GetValue<string>());
        using var model = ModelCheckpoint.Load(Path.Combine(dir.Path, "model.ckpt"));
        var layers = WeightUnification.Measure(model.Model, WeightUnification.UnifiedParameters(model.Model), new BlockShape(1, 3));
        long blocks = layers.Sum(l => l.Blocks);
        Assert.Equal(blocks, layers.Sum(l => l.UnifiedBlocks));
        Assert.Equal(WeightUnification.ZeroCount(0.25, blocks), layers.Sum(l => l.ZeroBlocks));
        Assert.True(metrics["nonzero_parameters"]!.GetValue<long>() < metrics["parameters"]!.GetValue<long>());
        // The fingerprint holds the stage's options, so --resume refuses other ones.
        var fingerprint = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "fingerprint.json")))!.AsObject();
        string Setting(string name) => fingerprint.Single(kv => kv.Key.EndsWith(name, StringComparison.Ordinal)).Value!.GetValue<string>();
        Assert.Equal("1x3", Setting("block_shape"));
        Assert.Equal("0.25", Setting("zero_fraction"));

        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { Apc.Tests.Cli.CliRunner.CliDll, "info", Path.Combine(dir.Path, "model.ckpt"), "--format", "json" })
            start.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, output);
        var compression = JsonNode.Parse(output)!["compression"]!;
        Assert.Equal("1x3", compression["block_shape"]!.GetValue<string>());
        Assert.Equal(1.0, compression["unified_fraction"]!.GetValue<double>());
        Assert.Equal((double)layers.Sum(l => l.ZeroBlocks) / blocks, compression["zero_block_fraction"]!.GetValue<double>());
        Assert.Equal((double)layers.Sum(l => l.Bits) / layers.Sum(l => l.Weights), compression["bits_per_weight"]!.GetValue<double>());

        // ONNX has no unified form: the export is the dense float32 network, checked against the checkpoint.
        var onnx = Path.Combine(dir.Path, "model.onnx");
        var summaryPath = Path.Combine(dir.Path, "export.json");
        (code, error) = Apc.Tests.Cli.CliRunner.Run("export", "--model", Path.Combine(dir.Path, "model.ckpt"), "--out", onnx, "--summary", summaryPath);
        Assert.True(code == 0, error);
        var summary = JsonNode.Parse(File.ReadAllText(summaryPath))!;
        Assert.Equal("unify", summary["source_kind"]!.GetValue<string>());
        Assert.Equal("float32", summary["precision"]!.GetValue<string>());
        Assert.Equal(1.0, summary["agreement"]!["label_agreement"]!.GetValue<double>());
    }

    [Fact]
    public void UnifyRunsAsTheLastPipelineStageAndItsOptionsBelongToIt()
    {
        using var dir = new TempFolder();
        var (code, error) = CompressCli.Run("compress", "pipeline", "--stages", "structured,unify", "--teacher", cli.TeacherPath,
            "--ratio", "0.5", "--zero-fraction", "0.5", "--admm-iterations", "1", "--match", "none", "--epochs", "1", "--out", dir.Path);
        Assert.True(code == 0, error);
        using var model = ModelCheckpoint.Load(Path.Combine(dir.Path, "model.ckpt"));
        Assert.Equal("pipeline", model.Info.Kind);
        var layers = WeightUnification.Measure(model.Model, WeightUnification.UnifiedParameters(model.Model), UnificationOptions.DefaultBlock);
        Assert.Equal(layers.Sum(l => l.Blocks), layers.Sum(l => l.UnifiedBlocks));
        Assert.Equal(WeightUnification.ZeroCount(0.5, layers.Sum(l => l.Blocks)), layers.Sum(l => l.ZeroBlocks));
        Assert.True(File.Exists(Path.Combine(dir.Path, "stage-2-unify", "stage-done.json")));

        (code, error) = CompressCli.Run("compress", "kd", "--teacher", cli.TeacherPath, "--zero-fraction", "0.5", "--out", dir.Path);
        Assert.Equal(2, code);
        Assert.Contains("--zero-fraction is an option of unify", error);
        foreach (var (option, value, message) in new[]
                 {
                     ("--zero-fraction", "1", "--zero-fraction must be in [0, 1) (got 1)."),
                     ("--block-shape", "1x1", "--block-shape 1x1: a block of one weight unifies nothing"),
                     ("--block-shape", "four", "--block-shape: 'four' is not RxS"),
                     ("--rho", "-1", "--rho must be a positive number (got -1)."),
                 })
        {
            (code, error) = CompressCli.Run("compress", "unify", "--teacher", cli.TeacherPath, option, value, "--out", dir.Path);
            Assert.Equal(2, code);
            Assert.Contains(message, error);
            Assert.Single(error.Trim().Split('\n'));
        }
        (code, error) = CompressCli.Run("compress", "pipeline", "--stages", "unify,kd", "--teacher", cli.TeacherPath, "--out", dir.Path);
        Assert.Equal(2, code);
        Assert.Contains("unify must be the last stage", error);
        (code, error) = CompressCli.Run("compress", "pipeline", "--stages", "kd", "--teacher", cli.TeacherPath, "--rho", "1", "--out", dir.Path);
        Assert.Equal(2, code);
        Assert.Contains("--rho is an option of unify", error);
    }

    [Fact]
    public void AnExperimentPlanRunsUnifyAsACompressStageAndChecksItsOptionsFirst()
    {
        var config = new Apc.Cli.Experiments.ExperimentConfig
        {
            Teacher = new Apc.Cli.Experiments.ExperimentConfig.TeacherSection { Checkpoint = cli.TeacherPath },
            Compressions = [new Apc.Cli.Experiments.ExperimentConfig.CompressionSection { Method = "unify", Options = ["--zero-fraction", "0.6", "--block-shape", "2x2"] }],
            Matchers = ["none", "wcam"],
            Seeds = [0],
            Evaluation = new() { Methods = ["gradcam"], Examples = [0] },
        };
        config.Validate("plan.json");
        var (stages, _) = Apc.Cli.Experiments.ExperimentPlan.Build(config, "out", "cpu", 1);
        var compress = stages.Single(s => s.Id == "s0-unify-wcam").Arguments;
        Assert.Equal(new[] { "compress", "unify" }, compress.Take(2));
        Assert.Contains("--zero-fraction", compress);

        var bad = config with { Compressions = [new Apc.Cli.Experiments.ExperimentConfig.CompressionSection { Method = "unify", Options = ["--zero-fraction", "2"] }] };
        Assert.Contains("--zero-fraction must be in [0, 1)", Assert.ThrowsAny<ApcException>(() => bad.Validate("plan.json")).Message);
    }
}
