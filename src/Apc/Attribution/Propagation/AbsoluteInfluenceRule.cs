using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>RAP's first step, at the layer that produces the logits (Nam et al., AAAI 2020, "absolute influence
/// normalisation"): a unit that pushes the target logit down matters as much as one that pushes it up, so each unit
/// receives relevance in proportion to the magnitude of its contribution |c_ic| = |x_i·w_ic|:
///   R_i = Σ_j |x_i·w_ij| / Σ_k |x_k·w_kj| · R_j,
/// which for one-hot relevance R_c = z_c is z_c·|c_ic| / Σ_k |c_kc|: non-negative when the logit is positive, summing to
/// the logit (the bias is absorbed by the normalisation). With zero bias this equals the reference implementation's
/// z-rule followed by |R|·ΣR/Σ|R|.</summary>
public sealed class AbsoluteInfluenceRule : IPropagationRule
{
    /// <summary>The one instance (it has no state).</summary>
    public static AbsoluteInfluenceRule Instance { get; } = new();

    /// <inheritdoc/>
    public Tensor Propagate(PropagationNode layer, Tensor input, Tensor relevance)
    {
        using var scope = NewDisposeScope();
        using var _ = enable_grad();
        var x = Relevance.Leaf(input.abs());
        var z = layer.Apply(x, layer.Weight!.abs());
        var s = Relevance.SafeDivide(relevance, z.detach());
        var c = Relevance.Backward(new[] { z }, new[] { s }, new[] { x })[0];
        return (x.detach() * c).MoveToOuterDisposeScope();
    }
}
