using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>Excitation Backprop's marginal winning probability (Zhang et al. 2016) through a conv or linear layer:
/// P(a_i) = Σ_j a_i·w_ij⁺ / Σ_k a_k·w_kj⁺ · P(a_j). Only excitatory (positive) weights, biases ignored, activations
/// a ≥ 0 (ReLU outputs; negative inputs are treated as 0). Each layer's probabilities sum to the layer above's.
/// With <c>negate</c> the weights are −w: the "dual" unit of contrastive Excitation Backprop.</summary>
public sealed class ExcitationRule : IPropagationRule
{
    /// <summary>The excitation rule; <paramref name="negate"/> uses the negated weights (the dual unit of the contrastive variant).</summary>
    public ExcitationRule(bool negate = false) => Negate = negate;

    /// <summary>The one instance (it has no state).</summary>
    public static ExcitationRule Instance { get; } = new();

    /// <summary>Whether the weights are negated.</summary>
    public bool Negate { get; }

    /// <inheritdoc/>
    public Tensor Propagate(PropagationNode layer, Tensor input, Tensor relevance)
    {
        using var scope = NewDisposeScope();
        using var _ = enable_grad();
        var a = Relevance.Leaf(input.clamp_min(0));
        var w = Negate ? layer.Weight!.neg().clamp_min(0) : layer.Weight!.clamp_min(0);
        var z = layer.Apply(a, w);
        var s = Relevance.SafeDivide(relevance, z.detach());
        var c = Relevance.Backward(new[] { z }, new[] { s }, new[] { a })[0];
        return (a.detach() * c).MoveToOuterDisposeScope();
    }
}
