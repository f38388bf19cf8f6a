using Apc.Attribution.Propagation;
using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Tests.Attribution;

/// <summary>What the conservation tests compare: the target logits, and the relevance total per sample at every
/// top-level step of a propagation.</summary>
static class RelevanceTotals
{
    /// <summary>The logit of each sample's target class [N].</summary>
    public static float[] TargetLogits(ClassifierNet model, Tensor x, Tensor targets)
    {
        using var _ = no_grad();
        return TestNets.Values(model.call(x).gather(1, targets.unsqueeze(1)).squeeze(1));
    }

    /// <summary>Per-sample relevance totals at every top-level step's output, from the logits down; the input's in
    /// <paramref name="input"/>.</summary>
    public static List<(string Layer, float[] Sums)> LayerTotals(ClassifierNet model, Tensor x, Tensor targets, RuleComposite composite,
        InitialRelevance start, out float[] input)
    {
        var topLevel = model.Nodes.Select(n => n.Name).ToHashSet();
        var totals = new List<(string, float[])>();
        var relevance = RelevancePropagator.Propagate(model, x, targets, composite, start, observer: (layer, r) =>
        {
            if (topLevel.Contains(layer)) totals.Add((layer, TestNets.Values(r.reshape(r.shape[0], -1).sum(1))));
        });
        input = TestNets.Values(relevance.reshape(relevance.shape[0], -1).sum(1));
        return totals;
    }
}
