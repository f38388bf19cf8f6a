using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Compression;
using Apc.Compression.Unification;
using Apc.Matching;
using Apc.Models;
using Apc.Training;
using TorchSharp;
using static TorchSharp.torch;
using static Apc.Tests.Compression.Pruning.PruningTestNets;

namespace Apc.Tests.Compression.Unification;

public class UnificationStageTests
{
    const string Arch = "vgg11-bn:w=1/16";


    [Theory]
    [InlineData(MatchingKind.None, 0.0)]
    [InlineData(MatchingKind.At, 0.0)]
    [InlineData(MatchingKind.Wcam, 0.0)]
    [InlineData(MatchingKind.Wcam, 0.5)]
    public void EveryBlockSharesOneMagnitudeTheZeroCountIsExactAndTheMatcherIsInTheLoss(string matcher, double drop)
    {
        using var dir = new TempFolder();
        using var teacher = Build(Arch);
        teacher.eval();
        var options = new UnificationOptions(BlockShape.Parse("1x4"), ZeroFraction: 0.4, Rho: 1, AdmmIterations: 2);
        var stage = new UnificationStage(options);
        Assert.Equal("unify", stage.Method);
        var context = Context(teacher, teacher, dir.Path, epochs: 1) with
        {
            Matcher = Matchers.Create(new MatcherOptions(matcher, Weight: 10, Drop: drop)),
        };
        using var result = stage.Run(context);

        var names = WeightUnification.UnifiedParameters(result.Model);
        Assert.Equal(8, names.Count); // every conv
        var layers = WeightUnification.Measure(result.Model, names, options.EffectiveBlock);
        long blocks = layers.Sum(l => l.Blocks);
        Assert.Equal(blocks, layers.Sum(l => l.UnifiedBlocks));
        Assert.Equal(WeightUnification.ZeroCount(0.4, blocks), layers.Sum(l => l.ZeroBlocks));
        Assert.Equal(layers.Sum(l => l.ZeroBlocks), result.Compression["zero_blocks"]!.GetValue<long>());
        Assert.Equal(1.0, result.Compression["unified_fraction"]!.GetValue<double>());
        Assert.Equal(layers.Sum(l => l.ZeroWeights), result.Compression["pruned_weights"]!.GetValue<long>());
        Assert.Equal(layers.Sum(l => l.Bits), result.Compression["bits"]!.GetValue<long>());
        // Zero blocks are pruning masks: the result and its checkpoint carry them, and they cover exactly the zero blocks.
        var masks = WeightMasks.FromExtra(result.Extra);
        Assert.Equal(names.Order(), masks.Keys.Order());
        Assert.Equal(layers.Sum(l => l.WeightsInZeroBlocks), masks.Values.Sum(m => m.numel() - m.count_nonzero().item<long>()));
        foreach (var n in names) Assert.Equal(0, Param(result.Model, n)[masks[n].logical_not()].count_nonzero().item<long>());

        // The matcher is attached in both phases: the W-steps' loss has l_am beside admm, and so has the fine-tuning.
        bool matches = matcher != MatchingKind.None;
        var admm1 = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "admm-1", "metrics.json")))!["history"]![0]!["loss_parts"]!.AsObject();
        Assert.True(admm1.ContainsKey("admm") && admm1.ContainsKey("bce"));
        Assert.Equal(matches, admm1.ContainsKey("l_am"));
        Assert.All(result.Training!.History, h => Assert.Equal(matches, h.LossParts.ContainsKey("l_am")));
        Assert.All(result.Training!.History, h => Assert.False(h.LossParts.ContainsKey("admm")));
    }

    [Fact]
    public void AdmmPullsTheWeightsTowardsTheUnifiedSetAndTheCheckpointReloadsExactly()
    {
        using var dir = new TempFolder();
        using var teacher = Build(Arch);
        teacher.eval();
        var distances = new List<double>();
        var stage = new UnificationStage(new UnificationOptions(BlockShape.Parse("2x2"), ZeroFraction: 0.5, Rho: 2, AdmmIterations: 2))
        {
            IterationFinished = (_, _, distance, _) => distances.Add(distance),
        };
        using var result = stage.Run(Context(teacher, teacher, dir.Path, epochs: 1));

        double before = result.Compression["distance_before_admm"]!.GetValue<double>();
        Assert.Equal(2, distances.Count);
        Assert.True(distances[0] < before && distances[1] < distances[0], $"{before}: {string.Join(", ", distances)}");

        // OUT/model.ckpt: the same weights, masks and logits; the shared magnitudes survive the round trip bit for bit.
        Assert.Equal(Path.Combine(dir.Path, "model.ckpt"), result.CheckpointPath);
        using var saved = ModelCheckpoint.Load(result.CheckpointPath);
        Assert.Equal("unify", saved.Info.Kind);
        Assert.Equal(result.Compression.ToJsonString(), saved.Info.Compression!.ToJsonString());
        foreach (var (key, value) in result.Model.state_dict()) TensorAssert.Same(value.cpu(), saved.Model.state_dict()[key], key);
        foreach (var (key, value) in result.Extra) TensorAssert.Same(value.cpu(), saved.Extra[key], key);
        torch.manual_seed(9);
        var x = randn(4, 1, 32, 32);
        TensorAssert.Same(Logits(result.Model, x), Logits(saved.Model, x), "logits after reload");
        var names = WeightUnification.UnifiedParameters(saved.Model);
        var layers = WeightUnification.Measure(saved.Model, names, new BlockShape(2, 2));
        Assert.Equal(layers.Sum(l => l.Blocks), layers.Sum(l => l.UnifiedBlocks));
        Assert.Equal(result.Compression["zero_blocks"]!.GetValue<long>(), layers.Sum(l => l.ZeroBlocks));
    }

    [Fact]
    public void ZeroIterationsProjectAtOnceAndMaskedOrLaterStagesAreRefused()
    {
        using var dir = new TempFolder();
        using var teacher = Build(Arch);
        teacher.eval();
        using var result = new UnificationStage(new UnificationOptions(ZeroFraction: 0, AdmmIterations: 0)).Run(Context(teacher, teacher, dir.Path));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "admm-1")));
        Assert.Equal(0, result.Compression["zero_blocks"]!.GetValue<long>());
        Assert.Equal(1.0, result.Compression["unified_fraction"]!.GetValue<double>());

        using var masked = new TempFolder();
        var masks = new Dictionary<string, Tensor> { ["features.0.weight"] = ones(Param(teacher, "features.0.weight").shape, dtype: ScalarType.Bool) };
        var error = Assert.Throws<ApcException>(() => new UnificationStage(new UnificationOptions())
            .Run(Context(teacher, teacher, masked.Path) with { Masks = masks }));
        Assert.Contains("pruning masks", error.Message);
        Assert.Contains("unify must be the last stage", Assert.Throws<UsageException>(() =>
            CompressionPipeline.CheckOrder(new[] { "kd", "unify", "quantize" })).Message);
        Assert.Contains("unstructured may only be followed by kd or quantize", Assert.Throws<UsageException>(() =>
            CompressionPipeline.CheckOrder(new[] { "unstructured", "unify" })).Message);
        CompressionPipeline.CheckOrder(new[] { "structured", "kd", "unify" });
    }
}
