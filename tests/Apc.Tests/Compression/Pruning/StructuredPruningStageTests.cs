using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Compression.Pruning;
using Apc.Models;
using static TorchSharp.torch;
using static Apc.Tests.Compression.Pruning.PruningTestNets;

namespace Apc.Tests.Compression.Pruning;

public class StructuredPruningStageTests
{
    [Fact]
    public void FineTuningWithLogitDistillationAddsTheKdTermWithWeightAlpha()
    {
        using var dir = new TempFolder();
        using var teacher = Build("vgg11-bn:w=1/16");
        var distillation = new Apc.Compression.DistillationOptions("the network being fine-tuned", Alpha: 0.3, Temperature: 4);
        var result = new StructuredPruningStage(new StructuredPruningOptions(Ratio: 0.5)) { Distillation = distillation }
            .Run(Context(teacher, teacher, dir.Path));
        using var pruned = result.Model;
        var epoch = Assert.Single(result.Training!.History);
        Assert.True(epoch.LossParts.ContainsKey("kd") && epoch.LossParts["kd"] > 0, string.Join(", ", epoch.LossParts.Keys));
        // The loss is (1−α)·BCE + α·KD, batch by batch, so also in the epoch's means.
        var expected = 0.7 * epoch.LossParts["bce"] + 0.3 * epoch.LossParts["kd"];
        Assert.True(Math.Abs(epoch.TrainLoss - expected) <= 1e-5 * Math.Abs(expected), $"{epoch.TrainLoss} vs {expected}");

        using var plainDir = new TempFolder();
        var plain = new StructuredPruningStage(new StructuredPruningOptions(Ratio: 0.5)).Run(Context(teacher, teacher, plainDir.Path));
        plain.Model.Dispose();
        Assert.DoesNotContain("kd", Assert.Single(plain.Training!.History).LossParts.Keys);
    }

    [Fact]
    public void OneShotL1PruningGivesASmallerFineTunedNetworkAndDescribesIt()
    {
        using var dir = new TempFolder();
        using var teacher = Build("vgg11-bn:w=1/16");
        using var before = Clone(teacher);
        var stage = new StructuredPruningStage(new StructuredPruningOptions(Ratio: 0.5));
        Assert.Equal("structured", stage.Method);
        var result = stage.Run(Context(teacher, teacher, dir.Path));
        using var pruned = result.Model;

        Assert.Equal("vgg11-bn:channels=2,M,4,M,8,8,M,16,16,M,16,16,M", pruned.Arch.ToString());
        var json = result.Compression;
        Assert.Equal(teacher.ParameterCount(), json["parameters_before"]!.GetValue<long>());
        Assert.Equal(pruned.ParameterCount(), json["parameters_after"]!.GetValue<long>());
        Assert.True(json["macs_after"]!.GetValue<long>() < json["macs_before"]!.GetValue<long>());
        Assert.Equal("l1", json["criterion"]!.GetValue<string>());
        var layers = json["layers"]!.AsArray();
        Assert.Equal(8, layers.Count);
        Assert.All(layers, l => Assert.Equal(l!["channels"]!.GetValue<int>() / 2, l["kept"]!.GetValue<int>()));

        // The input (here the teacher itself) is untouched; the checkpoint holds the pruned, fine-tuned network.
        foreach (var (key, value) in before.state_dict()) TensorAssert.Same(value, teacher.state_dict()[key], key);
        Assert.Equal(Path.Combine(dir.Path, "model.ckpt"), result.CheckpointPath);
        using var saved = ModelCheckpoint.Load(result.CheckpointPath);
        Assert.Equal("structured", saved.Info.Kind);
        Assert.Equal(pruned.Arch, saved.Model.Arch);
        Assert.Equal(json.ToJsonString(), saved.Info.Compression!.ToJsonString());
        foreach (var (key, value) in saved.Model.state_dict()) TensorAssert.Same(value, pruned.state_dict()[key].cpu(), key);
        Assert.True(File.Exists(Path.Combine(dir.Path, "plan.json")));
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "metrics.json")))!;
        Assert.Equal(json.ToJsonString(), metrics["compression"]!.ToJsonString());
        Assert.NotNull(result.Training);
    }

    [Fact]
    public void IterativeAttributionPruningReachesTheTargetInSteps()
    {
        using var dir = new TempFolder();
        using var teacher = Build("resnet18:w=1/16");
        var options = new StructuredPruningOptions(Ratio: 0.6, Preset: "reference", Criterion: "attribution", Rounds: 2, CalibrationImages: 16);
        var result = new StructuredPruningStage(options).Run(Context(teacher, teacher, dir.Path));
        using var pruned = result.Model;

        // Preset: the last two stages' inner widths (16,16,32,32) keep ⌊n·0.4⌋ = 6,6,12,12; the others are untouched.
        Assert.Equal("resnet18:w=1/16:channels=4,4,4,8,8,6,6,12,12", pruned.Arch.ToString());
        // Halfway: n − round((n − K)/2) = 16 − 5 = 11 and 32 − 10 = 22.
        using (var first = ModelCheckpoint.Load(Path.Combine(dir.Path, "iteration-1", "model.ckpt")))
            Assert.Equal("resnet18:w=1/16:channels=4,4,4,8,8,11,11,22,22", first.Model.Arch.ToString());
        var plan2 = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "iteration-2", "plan.json")))!;
        Assert.Equal("attribution", plan2["criterion"]!.GetValue<string>());
        Assert.Equal("resnet18:w=1/16:channels=4,4,4,8,8,11,11,22,22", plan2["source_arch"]!.GetValue<string>());

        // Kept indices are reported in the original numbering: distinct, in range, as many as kept.
        foreach (var layer in result.Compression["layers"]!.AsArray())
        {
            var kept = layer!["kept_indices"]!.AsArray().Select(n => n!.GetValue<int>()).ToList();
            Assert.Equal(layer["kept"]!.GetValue<int>(), kept.Count);
            Assert.Equal(kept.Order().Distinct(), kept);
            Assert.All(kept, i => Assert.InRange(i, 0, layer["channels"]!.GetValue<int>() - 1));
        }
        using var saved = ModelCheckpoint.Load(Path.Combine(dir.Path, "model.ckpt"));
        Assert.Equal(pruned.Arch, saved.Model.Arch);
        Assert.Equal(2, saved.Info.Compression!["iteration"]!.GetValue<int>());
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "metrics.json")))!;
        Assert.Equal(result.Compression.ToJsonString(), metrics["compression"]!.ToJsonString());
    }
}
