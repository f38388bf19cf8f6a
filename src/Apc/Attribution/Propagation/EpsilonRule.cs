using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>LRP-ε for conv and linear layers: R_i = Σ_j x_i·w_ij / (z_j + ε·sign(z_j)) · R_j with z_j = Σ_k x_k·w_kj + b_j
/// (sign(0) = +1). ε absorbs the relevance of weak, contradictory activations; ε → 0 gives the plain z rule.</summary>
public sealed class EpsilonRule : IPropagationRule
{
    /// <summary>The LRP-ε rule; <paramref name="epsilon"/> ≥ 0 stabilises small denominators (activation units).</summary>
    public EpsilonRule(double epsilon)
    {
        if (!(epsilon >= 0)) throw new UsageException($"LRP ε must be non-negative (got {epsilon}).");
        Epsilon = epsilon;
    }

    /// <summary>ε, in activation units.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    public Tensor Propagate(PropagationNode layer, Tensor input, Tensor relevance)
    {
        using var scope = NewDisposeScope();
        using var _ = enable_grad();
        var x = Relevance.Leaf(input);
        var z = layer.Apply(x, layer.Weight!, layer.Bias);
        var zd = z.detach();
        var stabilised = zd + (zd.ge(0).to_type(zd.dtype) * 2 - 1) * Epsilon;
        var s = Relevance.SafeDivide(relevance, stabilised);
        var c = Relevance.Backward(new[] { z }, new[] { s }, new[] { x })[0];
        return (input * c).MoveToOuterDisposeScope();
    }
}
