// example: pruning-criterion
using Apc.Compression.Pruning;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Compression.Pruning;

/// <summary>Ranks a conv's output filters by the L2 norm of their weights (Li et al. 2017 used L1).</summary>
public sealed class L2FilterCriterion : IFilterCriterion
{
    public string Name => "l2";

    public IReadOnlyDictionary<string, double[]> Score(ClassifierNet model, IReadOnlyList<ChannelGroup> groups)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return groups.ToDictionary(g => g.Conv, g =>
        {
            var weight = ((TorchSharp.Modules.Convolution)((LayerNode)model.Node(g.Conv)).Module).weight!; // [out,in,kh,kw]
            return weight.pow(2).sum(new long[] { 1, 2, 3 }).sqrt().to(ScalarType.Float64).cpu().data<double>().ToArray();
        });
    }

    /// <summary>Makes "--criterion l2" work; the factory also gets the stage's context (teacher, data, schedule) and
    /// options, which a criterion that looks at data needs.</summary>
    public static void Register() => FilterCriteria.Register("l2", (context, options) => new L2FilterCriterion());
}
// end example

public class L2FilterCriterionExampleTests
{
    static readonly Lazy<bool> registered = new(() => { L2FilterCriterion.Register(); return true; });

    /// <summary>Through the registry, a plan keeps in every conv exactly the filters with the largest hand-computed
    /// L2 norms; options naming the criterion validate, and an unknown name lists the registered ones.</summary>
    [Fact]
    public void PlansKeepTheFiltersWithTheLargestL2Norms()
    {
        _ = registered.Value;
        using var model = PruningTestNets.Build("vgg11-bn:w=1/16", seed: 5);
        var options = new StructuredPruningOptions(Ratio: 0.5, Criterion: "l2").Validated();
        using var dir = new TempFolder();
        var criterion = FilterCriteria.Create(PruningTestNets.Context(model, model, dir.Path), options);
        var plan = PruningPlan.FromRatios(model, criterion, options.LayerRatios(model));
        Assert.Equal("l2", plan.Criterion);
        Assert.NotEmpty(plan.Layers);
        foreach (var layer in plan.Layers)
        {
            var w = PruningTestNets.Param(model, layer.Group.Conv + ".weight");
            var norms = Enumerable.Range(0, (int)w.shape[0])
                .Select(f => Math.Sqrt(w[f].data<float>().ToArray().Sum(v => (double)v * v))).ToArray();
            var expected = Enumerable.Range(0, norms.Length).OrderByDescending(i => norms[i]).Take(layer.Kept.Count).Order();
            Assert.Equal(expected, layer.Kept);
        }
        Assert.Contains("l1, attribution, l2",
            Assert.Throws<UsageException>(() => new StructuredPruningOptions(Ratio: 0.5, Criterion: "l3").Validated()).Message);
    }
}
