using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>Residual addition for RAP: the addition is a layer with unit weights whose two inputs contribute
/// c_main = z_main and c_short = z_short, so <see cref="RapRule"/>'s definition applies as it stands: with
/// P = z_main⁺ + z_short⁺ and N = |z_main⁻| + |z_short⁻|, each branch gets c⁺/P·R + |c⁻|/(P + N)·R, then the uniform
/// shift over both branches' receiving units restores the total exactly. Unlike the proportional split
/// z_main/(z_main + z_short), whose shares explode where the two branches nearly cancel (a sum barely above 0 after
/// the block's ReLU), every share here is at most 1, so float32 results are stable.</summary>
public sealed class RapSplit : IResidualSplit
{
    /// <summary>The one instance (it has no state).</summary>
    public static RapSplit Instance { get; } = new();

    /// <inheritdoc/>
    public (Tensor Main, Tensor Shortcut) Split(Tensor main, Tensor shortcut, Tensor relevance)
    {
        using var scope = NewDisposeScope();
        var relevant = main.clamp_min(0) + shortcut.clamp_min(0);
        var influence = main.abs() + shortcut.abs();
        var (toRelevant, toAll) = (Relevance.SafeDivide(relevance, relevant), Relevance.SafeDivide(relevance, influence));
        var spreadMain = main.clamp_min(0) * toRelevant + main.clamp_max(0).neg() * toAll;
        var spreadShortcut = shortcut.clamp_min(0) * toRelevant + shortcut.clamp_max(0).neg() * toAll;
        // One shift for the pair: both branches together are the addition's input layer.
        var both = cat(new[] { spreadMain.flatten(1), spreadShortcut.flatten(1) }, 1);
        var shifted = RapRule.UniformShift(both, relevance);
        long size = spreadMain[0].numel();
        return (shifted.narrow(1, 0, size).reshape(main.shape).MoveToOuterDisposeScope(),
                shifted.narrow(1, size, size).reshape(shortcut.shape).MoveToOuterDisposeScope());
    }
}
