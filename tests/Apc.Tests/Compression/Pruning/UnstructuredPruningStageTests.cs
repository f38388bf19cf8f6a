using Apc.Checkpoints;
using Apc.Compression.Pruning;
using Apc.Training;
using static TorchSharp.torch;
using static Apc.Tests.Compression.Pruning.PruningTestNets;

namespace Apc.Tests.Compression.Pruning;

public class UnstructuredPruningStageTests
{
    static long Zeros(Tensor t) => t.numel() - t.count_nonzero().item<long>();

    [Fact]
    public void SparsityAfterFineTuningIsExactlyTheRequestedOneAndMasksRoundTrip()
    {
        using var dir = new TempFolder();
        using var teacher = Build("vgg11-bn:w=1/16");
        var stage = new UnstructuredPruningStage(new UnstructuredPruningOptions(Rounds: 2, Rate: 0.5));
        Assert.Equal("unstructured", stage.Method);
        var result = stage.Run(Context(teacher, teacher, dir.Path));
        using var model = result.Model;

        var names = MagnitudePruning.PrunableParameters(model, false);
        long total = names.Sum(n => Param(model, n).numel());
        long expected = (long)Math.Round(0.75 * total, MidpointRounding.AwayFromZero);
        Assert.Equal(expected, names.Sum(n => Zeros(Param(model, n))));
        Assert.Equal(0, Zeros(Param(model, "classifier.1.weight")));      // the linear layer stays dense
        Assert.Equal(0.75, result.Compression["target_sparsity"]!.GetValue<double>(), 12);
        Assert.Equal((double)expected / total, result.Compression["sparsity"]!.GetValue<double>(), 12);
        Assert.Equal(expected, result.Compression["pruned_weights"]!.GetValue<long>());
        Assert.Equal(names.Order(), result.Compression["layers"]!.AsObject().Select(kv => kv.Key).Order());

        // The final checkpoint carries the masks; the weights are zero exactly where the masks say so.
        Assert.Equal(Path.Combine(dir.Path, "model.ckpt"), result.CheckpointPath);
        using var saved = ModelCheckpoint.Load(result.CheckpointPath);
        Assert.Equal("unstructured", saved.Info.Kind);
        var masks = MagnitudePruning.FromExtra(saved.Extra);
        Assert.Equal(names.Order(), masks.Keys.Order());
        foreach (var n in names)
        {
            TensorAssert.Same(result.Extra[MagnitudePruning.MaskPrefix + n], masks[n], n);
            var weight = Param(saved.Model, n);
            Assert.False(weight[masks[n].logical_not()].any().item<bool>(), $"{n}: pruned weight is not zero");
            TensorAssert.Same(Param(model, n).detach().cpu(), weight, n);
        }
        // Round 1 fine-tuned at 50 % in its own folder, with its own masks.
        using var round1 = ModelCheckpoint.Load(Path.Combine(dir.Path, "round-1", "model.ckpt"));
        Assert.Equal((long)Math.Round(0.5 * total, MidpointRounding.AwayFromZero),
            MagnitudePruning.FromExtra(round1.Extra).Values.Sum(m => Zeros(m)));
        var metrics = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "metrics.json")))!;
        Assert.Equal(result.Compression.ToJsonString(), metrics["compression"]!.ToJsonString());
        Assert.Equal(result.Compression.ToJsonString(), saved.Info.Compression!.ToJsonString());
        foreach (var m in result.Extra.Values) m.Dispose();
    }

    [Fact]
    public void PrunedWeightsStayZeroThroughTrainingStepsOnlyBecauseOfTheMaskHook()
    {
        using var teacher = Build("vgg11-bn:w=1/16");
        foreach (var enforce in new[] { true, false })
        {
            using var dir = new TempFolder();
            using var model = Clone(teacher);
            var names = MagnitudePruning.PrunableParameters(model, false);
            var masks = MagnitudePruning.GlobalMasks(model, names, 500);
            MagnitudePruning.Apply(model, masks);
            using var before = Clone(model);
            var context = Context(teacher, model, dir.Path);
            Trainer.Fit(new TrainingRun(model, context.Data, new Apc.Compression.CompressionObjective(teacher, context.Matcher),
                context.Training, dir.Path, context.Template,
                AfterStep: enforce ? m => MagnitudePruning.Apply(m, masks) : null));
            long zeros = names.Sum(n => Zeros(Param(model, n)));
            if (enforce) Assert.Equal(500, zeros);
            else Assert.True(zeros < 500, "without the hook, SGD moves pruned weights (the test would otherwise prove nothing)");
            // Training did move the kept weights.
            Assert.False(Param(model, names[0]).equal(Param(before, names[0])).all().item<bool>());
            foreach (var m in masks.Values) m.Dispose();
        }
    }

    [Theory]
    [InlineData(0, 0.2)]
    [InlineData(3, 0.0)]
    [InlineData(3, 1.0)]
    [InlineData(3, double.NaN)]
    public void BadRoundsOrRateAreUsageErrors(int rounds, double rate) =>
        Assert.Throws<UsageException>(() => new UnstructuredPruningStage(new UnstructuredPruningOptions(rounds, rate)));
}
