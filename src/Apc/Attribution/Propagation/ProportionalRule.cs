using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>Average pooling: each output's relevance is shared among its inputs in proportion to their values
/// (R_i = Σ_j x_i·w_ij / z_j · R_j with w_ij = 1/n). Conserves relevance wherever z_j ≠ 0.</summary>
public sealed class ProportionalRule : IPropagationRule
{
    /// <summary>The one instance (it has no state).</summary>
    public static ProportionalRule Instance { get; } = new();

    /// <inheritdoc/>
    public Tensor Propagate(PropagationNode layer, Tensor input, Tensor relevance)
    {
        using var scope = NewDisposeScope();
        using var _ = enable_grad();
        var x = Relevance.Leaf(input);
        var z = layer.Forward(x);
        var s = Relevance.SafeDivide(relevance, z.detach());
        var c = Relevance.Backward(new[] { z }, new[] { s }, new[] { x })[0];
        return (input * c).MoveToOuterDisposeScope();
    }
}
