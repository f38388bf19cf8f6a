using Apc.Compression.Pruning;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;
using static Apc.Tests.Compression.Pruning.PruningTestNets;

namespace Apc.Tests.Compression.Pruning;

public class ChannelSurgeryTests
{
    /// <summary>The original network with the removed filters' conv weights, conv biases and batch-norm scale and
    /// shift set to zero: what a physically pruned network must compute.</summary>
    static ClassifierNet ZeroRemovedFilters(ClassifierNet model, PruningPlan plan)
    {
        var zeroed = Clone(model);
        using var _ = no_grad();
        foreach (var layer in plan.Layers)
        {
            var removed = Enumerable.Range(0, layer.Group.Channels).Except(layer.Kept).Select(i => (long)i).ToArray();
            if (removed.Length == 0) continue;
            using var index = tensor(removed);
            var conv = (TorchSharp.Modules.Convolution)((LayerNode)zeroed.Node(layer.Group.Conv)).Module;
            conv.weight!.index_fill_(0, index, 0);
            conv.bias?.index_fill_(0, index, 0);
            var bn = (TorchSharp.Modules.BatchNorm2d)((LayerNode)zeroed.Node(layer.Group.BatchNorm!)).Module;
            bn.weight!.index_fill_(0, index, 0);
            bn.bias!.index_fill_(0, index, 0);
        }
        return zeroed;
    }

    /// <summary>Keeps a random subset of about half the filters of every prunable conv.</summary>
    static PruningPlan RandomPlan(ClassifierNet model, int seed)
    {
        var rng = new Random(seed);
        var criterion = new FixedScores(g => Enumerable.Range(0, g.Channels).Select(_ => rng.NextDouble()).ToArray());
        var ratios = PruningDependencies.Groups(model).ToDictionary(g => g.Conv, _ => 0.5);
        return PruningPlan.FromRatios(model, criterion, ratios);
    }

    [Theory]
    [InlineData("vgg11-bn:channels=4,M,6,M,6,5,M,6,6,M,6,5,M", 64)] // head sees 2x2 positions per channel
    [InlineData("vgg13-bn:w=1/16", 32)]
    [InlineData("vgg16-bn:w=1/16:skip-pools=4", 64)] // no pool4: head sees 4x4 positions per channel
    [InlineData("resnet18:w=1/16", 32)]
    [InlineData("resnet18:w=1/16", 128)] // 7x7 stem with max-pool
    public void PrunedNetworkComputesWhatZeroingTheRemovedFiltersComputes(string arch, int size)
    {
        using var scope = NewDisposeScope();
        using var model = Build(arch, inChannels: 3, classes: 5, size: size);
        Randomize(model, seed: 7);
        model.eval();
        var plan = RandomPlan(model, seed: 11);
        Assert.All(plan.Layers, l => Assert.True(l.Removed > 0, $"{l.Group.Conv} should lose filters"));
        using var pruned = ChannelSurgery.Apply(model, plan);
        using var zeroed = ZeroRemovedFilters(model, plan);
        zeroed.eval();
        Assert.False(pruned.training);

        var x = randn(3, 3, size, size);
        using var _ = no_grad();
        var expected = zeroed.call(x);
        var actual = pruned.call(x);
        TensorAssert.Close(expected, actual, rtol: 0, atol: 1e-5, what: "pruned vs zeroed logits");
        // The removal matters: the zeroed network differs from the original, so the comparison above is not vacuous.
        Assert.True((model.call(x) - expected).abs().max().item<float>() > 1e-3);
        Assert.True(pruned.ParameterCount() < model.ParameterCount());
        Assert.True(pruned.MultiplyAccumulates() < model.MultiplyAccumulates());
        Assert.Equal(plan.PrunedArch(), pruned.Arch);
    }

    [Fact]
    public void TheSourceNetworkIsNotModified()
    {
        using var model = Build("vgg11-bn:w=1/16");
        Randomize(model, 3);
        using var before = Clone(model);
        using var pruned = ChannelSurgery.Apply(model, RandomPlan(model, 5));
        foreach (var (key, value) in before.state_dict()) TensorAssert.Same(value, model.state_dict()[key], key);
    }

    [Fact]
    public void LinearColumnsAreSlicedInChannelMajorBlocks()
    {
        // Last conv (conv5_2) has 3 channels; at 64 px the last pool is 2x2, so the linear layer has 3*4 = 12
        // columns and channel c owns columns 4c..4c+3.
        using var model = Build("vgg11-bn:channels=2,M,2,M,2,2,M,2,2,M,2,3,M", classes: 2, size: 64);
        var groups = PruningDependencies.Groups(model);
        var last = groups[^1];
        Assert.Equal(new ChannelConsumer("classifier.1", LayerKind.Linear, 4), last.Consumer);
        var plan = PruningPlan.FromKeepCounts(model, new FixedScores(g => g.Conv == last.Conv ? new[] { 3.0, 1.0, 2.0 } : new[] { 1.0, 1.0 }),
            new Dictionary<string, int> { [last.Conv] = 2 });
        Assert.Equal(new[] { 0, 2 }, plan.Layers.Single().Kept);
        using var pruned = ChannelSurgery.Apply(model, plan);

        var original = Param(model, "classifier.1.weight");
        var sliced = Param(pruned, "classifier.1.weight");
        Assert.Equal(new long[] { 2, 8 }, sliced.shape);
        int[] columns = { 0, 1, 2, 3, 8, 9, 10, 11 }; // channel 0's block, then channel 2's block
        for (int row = 0; row < 2; row++)
            for (int j = 0; j < columns.Length; j++)
                Assert.Equal(original[row, columns[j]].item<float>(), sliced[row, j].item<float>());
        TensorAssert.Same(Param(model, "classifier.1.bias"), Param(pruned, "classifier.1.bias"), "linear bias");
    }

    [Fact]
    public void ParameterAndMacCountsOfAPrunedVggMatchHandComputation()
    {
        // vgg11 with 4 channels everywhere on 1x64x64, 3 classes; conv1_1 keeps 2 filters, conv5_2 keeps 3.
        using var model = Build("vgg11-bn:channels=4,M,4,M,4,4,M,4,4,M,4,4,M", classes: 3, size: 64);
        using var pruned = ChannelSurgery.Apply(model, PruningPlan.FromKeepCounts(model, L1FilterCriterion.Instance,
            new Dictionary<string, int> { ["conv1_1"] = 2, ["conv5_2"] = 3 }));
        Assert.Equal("vgg11-bn:channels=2,M,4,M,4,4,M,4,4,M,4,3,M", pruned.Arch.ToString());

        int[] widths = { 2, 4, 4, 4, 4, 4, 4, 3 };
        int[] sizes = { 64, 32, 16, 16, 8, 8, 4, 4 };
        long parameters = 0, macs = 0, input = 1;
        for (int i = 0; i < widths.Length; i++)
        {
            parameters += input * widths[i] * 9 + widths[i] + 2 * widths[i]; // conv weight + bias, bn scale + shift
            macs += (long)widths[i] * sizes[i] * sizes[i] * input * 9;
            input = widths[i];
        }
        long features = 3 * 2 * 2; // 3 channels of 2x2 after the last pool
        parameters += features * 3 + 3;
        macs += features * 3;
        Assert.Equal(parameters, pruned.ParameterCount());
        Assert.Equal(macs, pruned.MultiplyAccumulates());
    }

    [Fact]
    public void PrunedResNetKeepsItsResidualStageWidths()
    {
        using var model = Build("resnet18:w=1/16");
        var plan = RandomPlan(model, 2);
        using var pruned = ChannelSurgery.Apply(model, plan);
        Assert.Equal("resnet18:w=1/16:channels=4,2,2,4,4,8,8,16,16", pruned.Arch.ToString());
        // The spec text alone rebuilds the same network (what a checkpoint relies on).
        using var rebuilt = ModelFactory.Create(pruned.Config with { Arch = ArchSpec.Parse(pruned.Arch.ToString()) });
        Assert.Equal(pruned.state_dict().Select(kv => (kv.Key, string.Join(',', kv.Value.shape))),
                     rebuilt.state_dict().Select(kv => (kv.Key, string.Join(',', kv.Value.shape))));
        Assert.Equal(Param(model, "layer1.0.conv2.weight").shape[0], Param(pruned, "layer1.0.conv2.weight").shape[0]);
        Assert.Equal(Param(model, "fc.weight").shape, Param(pruned, "fc.weight").shape);
    }
}
