namespace Apc.Attribution;

/// <summary>The LRP rule for conv and linear layers other than the first (which always uses z^B).</summary>
public enum LrpVariant
{
    /// <summary>α = 1, β = 0 (z⁺ for ReLU networks), as the reference evaluation uses (method.md §4).</summary>
    Alpha1Beta0,

    /// <summary>LRP-ε with <see cref="AttributionOptions.Epsilon"/>.</summary>
    Epsilon,
}
