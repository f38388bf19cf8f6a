using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>Residual addition, LRP and RAP: each branch gets the share of the output it produced,
/// R_main = z_main / (z_main + z_short) · R and R_short = z_short / (z_main + z_short) · R. Conserves relevance.</summary>
public sealed class ProportionalSplit : IResidualSplit
{
    /// <summary>The one instance (it has no state).</summary>
    public static ProportionalSplit Instance { get; } = new();

    /// <inheritdoc/>
    public (Tensor Main, Tensor Shortcut) Split(Tensor main, Tensor shortcut, Tensor relevance)
    {
        using var scope = NewDisposeScope();
        var s = Relevance.SafeDivide(relevance, main + shortcut);
        return ((main * s).MoveToOuterDisposeScope(), (shortcut * s).MoveToOuterDisposeScope());
    }
}
