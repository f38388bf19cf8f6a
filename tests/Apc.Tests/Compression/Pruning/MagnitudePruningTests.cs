using Apc.Compression.Pruning;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;
using static Apc.Tests.Compression.Pruning.PruningTestNets;

namespace Apc.Tests.Compression.Pruning;

public class MagnitudePruningTests
{
    const string Arch = "vgg11-bn:channels=2,M,3,M,3,3,M,4,4,M,4,4,M";

    static long Zeros(Tensor t) => t.numel() - t.count_nonzero().item<long>();

    [Fact]
    public void ConvWeightsArePrunedAndLinearOnlyWhenAsked()
    {
        using var model = Build(Arch);
        var convOnly = MagnitudePruning.PrunableParameters(model, includeLinear: false);
        Assert.Equal(8, convOnly.Count);
        Assert.All(convOnly, n => Assert.Equal(LayerKind.Conv, model.Node(n[..n.LastIndexOf('.')]).Kind));
        Assert.Equal(convOnly.Append("classifier.1.weight"), MagnitudePruning.PrunableParameters(model, includeLinear: true));
    }

    [Theory]
    [InlineData(0.2, 1, 0.2)]
    [InlineData(0.2, 2, 0.36)]
    [InlineData(0.2, 16, 0.9718525023289)]
    public void CumulativeSparsityFollowsTheRoundSchedule(double rate, int round, double expected) =>
        Assert.Equal(expected, MagnitudePruning.CumulativeSparsity(rate, round), 12);

    [Fact]
    public void TiesAreBrokenByPositionSoTheCountIsExact()
    {
        using var model = Build(Arch);
        var names = MagnitudePruning.PrunableParameters(model, false);
        using (no_grad()) foreach (var n in names) Param(model, n).fill_(0.5f); // every weight ties
        var first = Param(model, names[0]).numel();                              // conv1_1 has 2·1·9 = 18
        var masks = MagnitudePruning.GlobalMasks(model, names, 25);
        Assert.Equal(first, Zeros(masks[names[0]]));                               // all of the first tensor...
        Assert.Equal(7, Zeros(masks[names[1]]));                                   // ...then the first 7 of the next
        Assert.False(masks[names[1]].flatten()[..7].any().item<bool>());
        Assert.True(masks[names[1]].flatten()[7..].all().item<bool>());
        Assert.Equal(25, masks.Values.Sum(Zeros));
        foreach (var m in masks.Values) m.Dispose();
    }

    [Fact]
    public void OneGlobalThresholdPrunesTheLayerWithSmallWeightsFirst()
    {
        using var model = Build(Arch);
        var names = MagnitudePruning.PrunableParameters(model, false);
        var small = names[2]; // conv3_1
        using (no_grad()) Param(model, small).mul_(1e-4);
        long smallCount = Param(model, small).numel();
        var masks = MagnitudePruning.GlobalMasks(model, names, smallCount);
        Assert.Equal(smallCount, Zeros(masks[small]));                            // the small layer goes entirely
        Assert.All(names.Where(n => n != small), n => Assert.Equal(0, Zeros(masks[n])));
        foreach (var m in masks.Values) m.Dispose();

        // At any count, every pruned weight is no larger in magnitude than every kept one.
        var total = names.Sum(n => Param(model, n).numel());
        masks = MagnitudePruning.GlobalMasks(model, names, total / 2);
        using var all = cat(names.Select(n => Param(model, n).detach().abs().flatten()).ToList());
        using var keep = cat(names.Select(n => masks[n].flatten()).ToList());
        Assert.True(all[keep.logical_not()].max().item<float>() <= all[keep].min().item<float>());
        Assert.Equal(total / 2, total - keep.count_nonzero().item<long>());
        foreach (var m in masks.Values) m.Dispose();
    }

    [Fact]
    public void MasksOfSuccessiveRoundsAreNested()
    {
        using var model = Build(Arch);
        var names = MagnitudePruning.PrunableParameters(model, false);
        var first = MagnitudePruning.GlobalMasks(model, names, 100);
        // Without applying the masks, make some pruned weights large: they must stay pruned.
        using (no_grad()) Param(model, names[0]).fill_(10f);
        var second = MagnitudePruning.GlobalMasks(model, names, 150, first);
        foreach (var n in names)
            Assert.False((first[n].logical_not() & second[n]).any().item<bool>(), $"{n}: a pruned weight came back");
        Assert.Equal(150, second.Values.Sum(Zeros));
        foreach (var m in first.Values.Concat(second.Values)) m.Dispose();
    }
}
