using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Compression.Pruning;

/// <summary>Li et al. 2017: a filter's score is the L1 norm of its weights, Σ|W[k,:,:,:]| (method.md §3).</summary>
public sealed class L1FilterCriterion : IFilterCriterion
{
    /// <summary>The one instance (it has no state).</summary>
    public static L1FilterCriterion Instance { get; } = new();
    /// <inheritdoc/>
    public string Name => "l1";

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double[]> Score(ClassifierNet model, IReadOnlyList<ChannelGroup> groups)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var result = new Dictionary<string, double[]>();
        foreach (var group in groups)
        {
            var weight = ((TorchSharp.Modules.Convolution)((LayerNode)model.Node(group.Conv)).Module).weight!;
            var norms = weight.detach().abs().flatten(1).sum(1).to(ScalarType.Float64).cpu();
            result[group.Conv] = norms.data<double>().ToArray();
        }
        return result;
    }
}
