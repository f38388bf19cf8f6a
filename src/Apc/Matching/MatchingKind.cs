namespace Apc.Matching;

/// <summary>Which attribution-matching regularizer to add while compressing (method.md §2).</summary>
public enum MatchingKind
{
    /// <summary>No matching (β = 0): the naive baseline.</summary>
    None,
    /// <summary>Weighted collapsed attribution matching: sensitivity-weighted, channel-collapsed maps.</summary>
    Wcam,
    /// <summary>Activation attention transfer (Zagoruyko &amp; Komodakis 2017): mean squared activation over channels.</summary>
    At,
}
