using static TorchSharp.torch;

namespace Apc.Matching;

/// <summary>Activation attention transfer (Zagoruyko &amp; Komodakis 2017), the baseline of method.md §2:
/// Q = vec(mean_k A_k²) per image, normalised and compared like the weighted maps; no gradients, no classes.</summary>
public sealed class AttentionTransferMatcher : MapMatcher
{
    /// <summary>Attention transfer with the checked <paramref name="options"/>.</summary>
    public AttentionTransferMatcher(MatcherOptions options) : base(options with { Kind = MatchingKind.At }) { }

    /// <inheritdoc/>
    protected override bool UsesSensitivities => false;
    /// <inheritdoc/>
    protected override Tensor TeacherMap(int layer, Tensor activation, Tensor? sensitivity) => CollapsedMaps.Attention(activation);
    /// <inheritdoc/>
    protected override Tensor StudentMap(int layer, Tensor activation, Tensor? sensitivity) => CollapsedMaps.Attention(activation);
}
