using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>Residual addition for Excitation Backprop and LRP-α1β0: only excitatory input counts, so the branches share
/// the relevance in proportion to their positive parts, z_main⁺ / (z_main⁺ + z_short⁺) (the α1β0 rule of a layer with
/// unit weights). Keeps probabilities non-negative (the proportional split would give a negative share to a branch with
/// a negative output) and conserves relevance wherever the sum is positive, i.e. wherever the ReLU after the block
/// passed signal.</summary>
public sealed class PositiveSplit : IResidualSplit
{
    /// <summary>The one instance (it has no state).</summary>
    public static PositiveSplit Instance { get; } = new();

    /// <inheritdoc/>
    public (Tensor Main, Tensor Shortcut) Split(Tensor main, Tensor shortcut, Tensor relevance)
    {
        using var scope = NewDisposeScope();
        var (mp, sp) = (main.clamp_min(0), shortcut.clamp_min(0));
        var s = Relevance.SafeDivide(relevance, mp + sp);
        return ((mp * s).MoveToOuterDisposeScope(), (sp * s).MoveToOuterDisposeScope());
    }
}
