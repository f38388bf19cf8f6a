using Apc.Attribution;
using Apc.Attribution.Propagation;
using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Tests.Attribution;

/// <summary>LRP, Excitation Backprop and RAP through the grouped form of a block-sparse VGG (gather → grouped conv →
/// batch norm → scatter): the channel permutations hand relevance back to the channel it came from, so the grouped
/// network's maps are the masked network's, and the conservation laws hold through the permutations.</summary>
public class BlockSparsePropagationTests
{
    public static readonly string[] Methods = { "lrp", "lrp-epsilon", "eb", "contrastive-eb", "rap" };

    /// <summary>A test VGG (every conv but the first in 4 blocks, permutation seed 7) in its two forms: masked (dense
    /// weights zero off the permuted block diagonal) and grouped (surgery of the masked one). Owns both.</summary>
    sealed class Forms : IDisposable
    {
        public required ClassifierNet Masked { get; init; }
        public required ClassifierNet Grouped { get; init; }

        public static Forms Build(int seed, bool zeroBiases)
        {
            var dense = TestNets.Build(TestNets.Vgg, seed, zeroBiases);
            try
            {
                return new Forms { Grouped = BlockSparseNets.MaskAndGroup(dense), Masked = dense };
            }
            catch
            {
                dense.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            Masked.Dispose();
            Grouped.Dispose();
        }
    }

    static IAttributionMethod Method(string name)
    {
        var options = new AttributionOptions { Normalization = TestNets.Normalization };
        return name switch
        {
            "lrp" => new LayerwiseRelevancePropagation(options),
            "lrp-epsilon" => new LayerwiseRelevancePropagation(options with { LrpRule = LrpVariant.Epsilon }),
            "eb" => new ExcitationBackprop(options),
            "contrastive-eb" => new ExcitationBackprop(options with { Contrastive = true }),
            "rap" => new RelativeAttributingPropagation(options),
            _ => throw new ArgumentException(name),
        };
    }

    [Theory]
    [MemberData(nameof(MethodData))]
    public void GroupedMapsEqualTheMaskedNetworksMaps(string method)
    {
        using var scope = NewDisposeScope();
        using var forms = Forms.Build(seed: 3, zeroBiases: false);
        // The grouped form really has the permutation steps the rule is for, and their orders are not the identity.
        var permutations = forms.Grouped.AllNodes().OfType<LayerNode>().Where(n => n.Kind == LayerKind.Permute).ToList();
        Assert.Equal(14, permutations.Count); // gather and scatter around 7 grouped convs
        foreach (var order in permutations.Select(p => ((ChannelPermutation)p.Module).Order))
            Assert.NotEqual(Enumerable.Range(0, order.Count).Select(i => (long)i), order);

        var x = TestNets.Inputs(4, seed: 5);
        var targets = TestNets.Targets(0, 1, 2, 4);
        var attribution = Method(method);
        var expected = attribution.Attribute(forms.Masked, x, targets);
        var actual = attribution.Attribute(forms.Grouped, x, targets);
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(TestNets.MaxAbs(expected) > 0, $"degenerate test: the masked network's {method} map is all zero");
        double error = TestNets.RelativeError(actual, expected);
        Assert.True(error <= 1e-5, $"{method}: grouped map differs from the masked network's by {error:G3} of its max |value|");
    }

    public static TheoryData<string> MethodData()
    {
        var data = new TheoryData<string>();
        foreach (var m in Methods) data.Add(m);
        return data;
    }

    [Fact]
    public void LrpConservesTheLogitThroughThePermutationsWhenBiasesAreZero()
    {
        // As PropagationEngineTests.LrpConservesTheLogitWhenBiasesAreZero checks for the dense networks: α1β0 with zero
        // biases hands the whole target logit to the input; the permutations move relevance without changing its total.
        using var scope = NewDisposeScope();
        using var forms = Forms.Build(seed: 3, zeroBiases: true);
        var model = forms.Grouped;
        var x = TestNets.Inputs(4, seed: 5);
        var targets = TestNets.Targets(0, 1, 2, 4);
        var logits = RelevanceTotals.TargetLogits(model, x, targets);
        var totals = RelevanceTotals.LayerTotals(model, x, targets, ((LayerwiseRelevancePropagation)Method("lrp")).Composite(3),
            InitialRelevance.TargetLogit, out var input);
        Assert.Contains(totals, t => model.Node(t.Layer).Kind == LayerKind.Permute);
        foreach (var (layer, sums) in totals.Append(("input", input)))
            for (int b = 0; b < logits.Length; b++)
                Assert.True(Math.Abs(sums[b] - logits[b]) <= 1e-4 * Math.Abs(logits[b]), $"{layer}, sample {b}: relevance {sums[b]} vs logit {logits[b]}");
        var map = Method("lrp").Attribute(model, x, targets);
        var sumsOfMap = TestNets.Values(map.sum(new long[] { 1, 2 }));
        for (int b = 0; b < logits.Length; b++)
            Assert.True(Math.Abs(sumsOfMap[b] - logits[b]) <= 1e-4 * Math.Abs(logits[b]), $"sample {b}: map sums to {sumsOfMap[b]} vs logit {logits[b]}");
    }

    [Fact]
    public void RapAndExcitationConserveAtEveryStepOfTheGroupedForm()
    {
        using var scope = NewDisposeScope();
        var x = TestNets.Inputs(3, seed: 6);
        var targets = TestNets.Targets(3, 0, 2);
        using (var forms = Forms.Build(seed: 4, zeroBiases: false))
        {
            // RAP: the target logit at every step, whatever the biases.
            var model = forms.Grouped;
            var logits = RelevanceTotals.TargetLogits(model, x, targets);
            var rap = (RelativeAttributingPropagation)Method("rap");
            var totals = RelevanceTotals.LayerTotals(model, x, targets, rap.Composite(3), InitialRelevance.TargetLogit, out var input);
            Assert.Equal(model.Nodes.Count - model.Nodes.Count(n => n.Kind == LayerKind.BatchNorm), totals.Count);
            foreach (var (layer, sums) in totals.Append(("input", input)))
                for (int b = 0; b < logits.Length; b++)
                    Assert.True(Math.Abs(sums[b] - logits[b]) <= 1e-4 * Math.Abs(logits[b]), $"rap {layer}, sample {b}: {sums[b]} vs logit {logits[b]}");
        }
        using (var forms = Forms.Build(seed: 5, zeroBiases: true))
        {
            // Excitation Backprop: probabilities sum to 1 at every step (zero biases).
            var eb = (ExcitationBackprop)Method("eb");
            foreach (var (layer, sums) in RelevanceTotals.LayerTotals(forms.Grouped, x, targets, eb.Composite(), InitialRelevance.TargetOne, out _))
                foreach (var s in sums) Assert.True(Math.Abs(s - 1) < 1e-5, $"eb {layer}: probabilities sum to {s}");
        }
    }

    [Fact]
    public void PermutationRuleHandsEachValueBackToItsChannel()
    {
        using var scope = NewDisposeScope();
        var permutation = new ChannelPermutation(new[] { 2, 0, 3, 1 });
        using var net = new SequentialNet(4, 2, 3,
            ("p", LayerKind.Permute, permutation), ("flatten", LayerKind.Flatten, TorchSharp.torch.nn.Flatten()),
            ("fc", LayerKind.Linear, TorchSharp.torch.nn.Linear(36, 2)));
        using var network = CanonicalNetwork.From(net);
        var step = network.Nodes[0];
        Assert.Equal(new long[] { 2, 0, 3, 1 }, step.ChannelOrder);
        var input = arange(2 * 4 * 3 * 3, dtype: float32).reshape(2, 4, 3, 3);
        var relevance = permutation.call(input) * 10;
        // Output channel i is input channel order[i], so its relevance goes to that channel: exactly 10·input here.
        var back = PermutationRule.Instance.Propagate(step, input, relevance);
        Assert.True(back.equal(input * 10).all().item<bool>());
        var error = Assert.Throws<ApcException>(() => PermutationRule.Instance.Propagate(step, input, relevance[.., ..3]));
        Assert.Contains("channel permutation 'p' of 4 channels got relevance [2,3,3,3]", error.Message);
    }
}
