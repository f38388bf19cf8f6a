namespace Apc.Matching;

/// <summary>Names of the built-in attribution-matching regularizers (method.md §2), the keys of <see cref="Matchers"/>.</summary>
public static class MatchingKind
{
    /// <summary>No matching (β = 0): the naive baseline.</summary>
    public const string None = "none";
    /// <summary>Weighted collapsed attribution matching: sensitivity-weighted, channel-collapsed maps.</summary>
    public const string Wcam = "wcam";
    /// <summary>Activation attention transfer (Zagoruyko &amp; Komodakis 2017): mean squared activation over channels.</summary>
    public const string At = "at";
}
