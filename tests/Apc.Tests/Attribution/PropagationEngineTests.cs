using Apc.Attribution;
using Apc.Attribution.Propagation;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Attribution;

/// <summary>The shared engine: canonizer, conservation laws of LRP, RAP and Excitation Backprop.</summary>
public class PropagationEngineTests
{
    [Theory]
    [InlineData(TestNets.Vgg)]
    [InlineData(TestNets.ResNet)]
    [InlineData(TestNets.VggSkipPools)]
    public void FoldedNetworkComputesTheSameLogits(string arch)
    {
        using var scope = NewDisposeScope();
        using var model = TestNets.Build(arch);
        var x = TestNets.Inputs(3);
        using var network = CanonicalNetwork.From(model);
        Assert.DoesNotContain(Flatten(network.Nodes), n => n.Kind == LayerKind.BatchNorm);
        using var _ = no_grad();
        var expected = model.call(x);
        Assert.True(TestNets.RelativeError(network.Forward(x), expected) < 1e-5);
    }

    [Theory]
    [InlineData(TestNets.Vgg)]
    [InlineData(TestNets.ResNet)]
    [InlineData(TestNets.VggSkipPools)]
    public void LrpConservesTheLogitWhenBiasesAreZero(string arch)
    {
        // α1β0 conserves exactly when no bias absorbs relevance: with x ≥ 0 after every ReLU, each output's relevance
        // is shared over its positive contributions, whose sum is non-zero wherever relevance is. The first layer sees
        // signed pixels, which z^B handles (the inputs lie in its box) and which conserves too.
        using var scope = NewDisposeScope();
        using var model = TestNets.Build(arch, seed: 3, zeroBiases: true);
        var x = TestNets.Inputs(4, seed: 5);
        var targets = TestNets.Targets(0, 1, 2, 4);
        var logits = RelevanceTotals.TargetLogits(model, x, targets);
        var lrp = AttributionMethods.Create("lrp", new AttributionOptions { Normalization = TestNets.Normalization });
        var sums = TestNets.Values(lrp.Attribute(model, x, targets).sum(new long[] { 1, 2 }));
        for (int b = 0; b < logits.Length; b++)
            Assert.True(Math.Abs(sums[b] - logits[b]) <= 1e-4 * Math.Abs(logits[b]), $"sample {b}: relevance {sums[b]} vs logit {logits[b]}");
    }

    [Theory]
    [InlineData(TestNets.Vgg)]
    [InlineData(TestNets.ResNet)]
    [InlineData(TestNets.VggSkipPools)]
    public void RapConservesTheLogitAtEveryLayerWhateverTheBiases(string arch)
    {
        using var scope = NewDisposeScope();
        using var model = TestNets.Build(arch, seed: 4);
        var x = TestNets.Inputs(3, seed: 6);
        var targets = TestNets.Targets(3, 0, 2);
        var logits = RelevanceTotals.TargetLogits(model, x, targets);
        var rap = new RelativeAttributingPropagation(new AttributionOptions { Normalization = TestNets.Normalization });
        var totals = RelevanceTotals.LayerTotals(model, x, targets, rap.Composite(3), InitialRelevance.TargetLogit, out var input);
        Assert.Equal(model.Nodes.Count - model.Nodes.Count(n => n.Kind == LayerKind.BatchNorm), totals.Count);
        foreach (var (layer, sums) in totals.Append(("input", input)))
            for (int b = 0; b < logits.Length; b++)
                Assert.True(Math.Abs(sums[b] - logits[b]) <= 1e-4 * Math.Abs(logits[b]), $"{layer}, sample {b}: {sums[b]} vs logit {logits[b]}");
        // RAP is bipolar: the shift makes the least influential inputs negative.
        var map = rap.Attribute(model, x, targets);
        Assert.True(map.min().item<float>() < 0 && map.max().item<float>() > 0);
    }

    [Theory]
    [InlineData(TestNets.Vgg)]
    [InlineData(TestNets.ResNet)]
    public void ExcitationProbabilitiesSumToOneAtEveryLayerAndMapsAreNonNegative(string arch)
    {
        // Exactly 1 needs zero biases: a unit switched on by its bias alone has a probability but no excitatory input
        // to pass it to (EB ignores biases), so it is lost. Without zero biases the totals can only fall (next test).
        using var scope = NewDisposeScope();
        using var model = TestNets.Build(arch, seed: 5, zeroBiases: true);
        var x = TestNets.Inputs(3, seed: 7);
        var targets = TestNets.Targets(1, 4, 0);
        var eb = new ExcitationBackprop(new AttributionOptions());
        var totals = RelevanceTotals.LayerTotals(model, x, targets, eb.Composite(), InitialRelevance.TargetOne, out _);
        Assert.NotEmpty(totals);
        // Every top-level step's output, down to the stem's; pixels are not a layer of EB (they may be negative).
        foreach (var (layer, sums) in totals)
            foreach (var s in sums) Assert.True(Math.Abs(s - 1) < 1e-5, $"{layer}: probabilities sum to {s}");
        AssertReadoutIsADistribution(model, x, targets, eb, total: 1);
    }

    [Theory]
    [InlineData(TestNets.Vgg)]
    [InlineData(TestNets.ResNet)]
    public void ExcitationProbabilitiesNeverGrowWithBiases(string arch)
    {
        using var scope = NewDisposeScope();
        using var model = TestNets.Build(arch, seed: 5);
        var x = TestNets.Inputs(3, seed: 7);
        var targets = TestNets.Targets(1, 4, 0);
        var eb = new ExcitationBackprop(new AttributionOptions());
        foreach (var (layer, sums) in RelevanceTotals.LayerTotals(model, x, targets, eb.Composite(), InitialRelevance.TargetOne, out _))
            foreach (var s in sums) Assert.True(s > 0.5 && s <= 1 + 1e-5, $"{layer}: probabilities sum to {s}");
        AssertReadoutIsADistribution(model, x, targets, eb, total: null);
    }

    static void AssertReadoutIsADistribution(ClassifierNet model, Tensor x, Tensor targets, ExcitationBackprop eb, float? total)
    {
        var map = eb.Attribute(model, x, targets);
        Assert.Equal(new long[] { x.shape[0], TestNets.Size, TestNets.Size }, map.shape);
        Assert.True(map.min().item<float>() >= 0);
        Assert.True(map.max().item<float>() > 0);
        var readout = RelevancePropagator.Propagate(model, x, targets, eb.Composite(), InitialRelevance.TargetOne, model.DefaultAttributionLayer);
        Assert.True(readout.min().item<float>() >= 0);
        if (total is { } t)
            foreach (var s in TestNets.Values(readout.sum(new long[] { 1, 2, 3 }))) Assert.True(Math.Abs(s - t) < 1e-5);
    }

    [Theory]
    [InlineData(TestNets.Vgg)]
    [InlineData(TestNets.ResNet)]
    public void ContrastiveExcitationSignalSumsToZeroAndMapIsNonNegative(string arch)
    {
        using var scope = NewDisposeScope();
        using var model = TestNets.Build(arch, seed: 6, zeroBiases: true);
        var x = TestNets.Inputs(2, seed: 8);
        var targets = TestNets.Targets(2, 3);
        var eb = new ExcitationBackprop(new AttributionOptions { Contrastive = true });
        var totals = RelevanceTotals.LayerTotals(model, x, targets, eb.Composite(), InitialRelevance.TargetOne, out _);
        // Target and dual each carry probability 1; below the logits their difference carries 0.
        foreach (var (layer, sums) in totals.Skip(1))
            foreach (var s in sums) Assert.True(Math.Abs(s) < 1e-5, $"{layer}: contrastive signal sums to {s}");
        var map = eb.Attribute(model, x, targets);
        Assert.True(map.min().item<float>() >= 0);
        Assert.True(map.max().item<float>() > 0);
    }

    [Fact]
    public void ReadoutInsideAResidualBranchIsTheBranchShare()
    {
        using var scope = NewDisposeScope();
        using var model = TestNets.Build(TestNets.ResNet, seed: 2);
        var x = TestNets.Inputs(2);
        var targets = TestNets.Targets(0, 1);
        var eb = new ExcitationBackprop(new AttributionOptions());
        // The inner ReLU of the last block receives the main branch's share, at most the whole probability.
        var inner = RelevancePropagator.Propagate(model, x, targets, eb.Composite(), InitialRelevance.TargetOne, "layer4.1.relu1");
        foreach (var s in TestNets.Values(inner.sum(new long[] { 1, 2, 3 }))) Assert.InRange(s, 0f, 1f + 1e-5f);
    }

    static IEnumerable<PropagationNode> Flatten(IEnumerable<PropagationNode> nodes) =>
        nodes.SelectMany(n => Flatten(n.Main).Concat(Flatten(n.Shortcut)).Append(n));
}
