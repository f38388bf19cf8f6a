using Apc.Compression.Pruning;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;
using static Apc.Tests.Compression.Pruning.PruningTestNets;

namespace Apc.Tests.Compression.Pruning;

public class PruningPlanTests
{
    [Fact]
    public void VggGroupsChainEveryConvToTheNextAndTheLastToTheLinearLayer()
    {
        using var model = Build("vgg11-bn:w=1/16", size: 64);
        var groups = PruningDependencies.Groups(model);
        var convs = model.AllNodes().Where(n => n.Kind == LayerKind.Conv).Select(n => n.Name).ToList();
        Assert.Equal(convs, groups.Select(g => g.Conv));
        for (int i = 0; i + 1 < groups.Count; i++)
        {
            Assert.Equal(new ChannelConsumer(convs[i + 1], LayerKind.Conv, 1), groups[i].Consumer);
        }
        Assert.Equal(new ChannelConsumer("classifier.1", LayerKind.Linear, 2 * 2), groups[^1].Consumer);
        Assert.Equal("features.1", groups[0].BatchNorm);
        Assert.Equal("features.2", groups[0].Activation); // relu1_1
        Assert.Equal("conv1_1", groups[0].Alias);
    }

    [Fact]
    public void ResNetGroupsAreTheBlockInnerWidthsOnly()
    {
        using var model = Build("resnet18:w=1/16");
        var groups = PruningDependencies.Groups(model);
        var expected = Enumerable.Range(1, 4).SelectMany(s => new[] { $"layer{s}.0", $"layer{s}.1" }).ToList();
        Assert.Equal(expected.Select(p => p + ".conv1"), groups.Select(g => g.Conv));
        Assert.Equal(expected.Select(p => new ChannelConsumer(p + ".conv2", LayerKind.Conv, 1)), groups.Select(g => g.Consumer));
        Assert.Equal(expected.Select(p => p + ".bn1"), groups.Select(g => g.BatchNorm));
        Assert.Equal(expected.Select(p => p + ".relu1"), groups.Select(g => g.Activation));
        Assert.Equal(Enumerable.Range(1, 8), groups.Select(g => g.SpecIndex));
    }

    [Fact]
    public void L1PlanKeepsTheFiltersWithTheLargestAbsoluteWeightSum()
    {
        using var model = Build("vgg11-bn:channels=4,M,2,M,2,2,M,2,2,M,2,2,M");
        // conv1_1: 1 input channel, 3x3 kernel; filter k is filled with v_k, so its L1 norm is 9·|v_k|.
        float[] values = { 0.5f, -3f, 1f, 2f };
        using (no_grad())
        {
            var weight = Param(model, "features.0.weight");
            for (int k = 0; k < 4; k++) weight[k].fill_(values[k]);
        }
        var plan = PruningPlan.FromKeepCounts(model, L1FilterCriterion.Instance, new Dictionary<string, int> { ["conv1_1"] = 2 });
        var layer = plan.Layers.Single();
        Assert.Equal(new[] { 4.5, 27.0, 9.0, 18.0 }, layer.Scores.Select(s => Math.Round(s, 4)));
        Assert.Equal(new[] { 1, 3 }, layer.Kept);
        Assert.Equal("l1", plan.Criterion);
    }

    [Fact]
    public void TiesAreBrokenTowardsTheLowerIndexAndKeptIndicesAreSorted()
    {
        Assert.Equal(new[] { 0, 2, 3 }, PruningPlan.TopFilters(new[] { 1.0, 0.5, 1.0, 2.0, 0.5 }, 3));
        Assert.Equal(new[] { 0, 1 }, PruningPlan.TopFilters(new[] { 1.0, 1.0, 1.0 }, 2));
    }

    [Theory]
    [InlineData(64, 0.3, 44)]
    [InlineData(10, 0.3, 7)]   // 10·0.7 is 6.999… in binary; still 7
    [InlineData(512, 0.3, 358)]
    [InlineData(5, 0.0, 5)]
    [InlineData(3, 0.9, 1)]    // at least one filter survives
    public void KeepCountIsTheFloorOfTheSurvivingFraction(int channels, double ratio, int expected) =>
        Assert.Equal(expected, PruningPlan.KeepCount(channels, ratio));

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void RatiosOutsideZeroToOneAreUsageErrors(double ratio)
    {
        Assert.Throws<UsageException>(() => PruningPlan.KeepCount(8, ratio));
        Assert.Throws<UsageException>(() => new StructuredPruningOptions(Ratio: ratio).Validated());
        Assert.Throws<UsageException>(() => new StructuredPruningOptions(PerLayer: new Dictionary<string, double> { ["conv1_1"] = ratio }).Validated());
        using var model = Build("vgg11-bn:w=1/16");
        Assert.Throws<UsageException>(() => PruningPlan.FromRatios(model, L1FilterCriterion.Instance, new Dictionary<string, double> { ["conv1_1"] = ratio }));
    }

    [Fact]
    public void BadOptionsAreOneLineUsageErrors()
    {
        Assert.Throws<UsageException>(() => new StructuredPruningOptions().Validated()); // nothing to prune
        Assert.Throws<UsageException>(() => new StructuredPruningOptions(Ratio: 0.3, Criterion: "no-such-criterion").Validated());
        Assert.Throws<UsageException>(() => new StructuredPruningOptions(Preset: "paper").Validated());
        Assert.Throws<UsageException>(() => new StructuredPruningOptions(Ratio: 0.3, Rounds: 0).Validated());
        Assert.Throws<UsageException>(() => StructuredPruningOptions.ParseLayerRatios("conv1_1=1.2"));
        Assert.Throws<UsageException>(() => StructuredPruningOptions.ParseLayerRatios("conv1_1"));
        using var resnet = Build("resnet18:w=1/16");
        var error = Assert.Throws<UsageException>(() =>
            new StructuredPruningOptions(PerLayer: new Dictionary<string, double> { ["layer1.0.conv2"] = 0.5 }).LayerRatios(resnet));
        Assert.Contains("not a prunable conv", error.Message); // tied by the residual addition
        Assert.Contains("layer1.0.conv1", error.Message);
    }

    [Theory]
    [InlineData("vgg16-bn:w=1/16")]
    [InlineData("vgg16-bn:w=1/16:skip-pools=4")] // stages follow the reference, not the pools built
    public void ReferencePresetPrunesTheFirstConvAndTheLastTwoStages(string arch)
    {
        using var vgg = Build(arch);
        var ratios = new StructuredPruningOptions(Preset: "reference").LayerRatios(vgg);
        var aliases = ratios.Keys.Select(k => ((LayerNode)vgg.Node(k)).Alias);
        Assert.Equal(new[] { "conv1_1", "conv4_1", "conv4_2", "conv4_3", "conv5_1", "conv5_2", "conv5_3" }, aliases);
        Assert.All(ratios.Values, r => Assert.Equal(0.3, r));

        using var resnet = Build("resnet18:w=1/16");
        var resnetRatios = new StructuredPruningOptions(Ratio: 0.5, Preset: "reference").LayerRatios(resnet);
        Assert.Equal(new[] { "layer3.0.conv1", "layer3.1.conv1", "layer4.0.conv1", "layer4.1.conv1" }, resnetRatios.Keys);
        Assert.All(resnetRatios.Values, r => Assert.Equal(0.5, r));
    }

    [Fact]
    public void PerLayerRatiosOverrideTheUniformRatioAndAcceptAliases()
    {
        using var vgg = Build("vgg11-bn:w=1/16");
        var ratios = new StructuredPruningOptions(Ratio: 0.25, PerLayer: StructuredPruningOptions.ParseLayerRatios("conv1_1=0.5, features.4=0"))
            .LayerRatios(vgg);
        Assert.Equal(8, ratios.Count);
        Assert.Equal(0.5, ratios["features.0"]);
        Assert.Equal(0.0, ratios["features.4"]);
        Assert.Equal(0.25, ratios["features.8"]);
    }

    [Fact]
    public void PlanJsonShowsKeptFiltersAndArchitectures()
    {
        using var model = Build("vgg11-bn:w=1/16");
        var plan = PruningPlan.FromRatios(model, L1FilterCriterion.Instance, new Dictionary<string, double> { ["conv1_1"] = 0.5 });
        var json = plan.ToJson();
        Assert.Equal("vgg11-bn:w=1/16", json["source_arch"]!.GetValue<string>());
        Assert.Equal("vgg11-bn:channels=2,M,8,M,16,16,M,32,32,M,32,32,M", json["pruned_arch"]!.GetValue<string>());
        var layer = json["layers"]![0]!;
        Assert.Equal(plan.Layers[0].Kept, layer["kept_indices"]!.AsArray().Select(n => n!.GetValue<int>()));
        Assert.Equal(4, layer["scores"]!.AsArray().Count);
    }
}
