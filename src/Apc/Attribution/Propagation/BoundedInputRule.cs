using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>LRP z^B rule for the first layer (Montavon et al. 2017), whose inputs are pixels in a known box
/// l ≤ x ≤ h rather than non-negative activations:
/// R_i = Σ_j (x_i·w_ij − l_i·w_ij⁺ − h_i·w_ij⁻) / Σ_k (x_k·w_kj − l_k·w_kj⁺ − h_k·w_kj⁻) · R_j.
/// Biases are ignored, so relevance is conserved exactly. The bounds are per input channel; for normalised
/// images they are the images of pixel values 0 and 1: l_c = (0 − mean_c)/std_c, h_c = (1 − mean_c)/std_c.</summary>
public sealed class BoundedInputRule : IPropagationRule
{
    readonly float[] low, high;

    /// <summary>The z^B rule for the first layer, with the lowest and highest input value of each channel (normalised units).</summary>
    public BoundedInputRule(IReadOnlyList<float> low, IReadOnlyList<float> high)
    {
        if (low.Count != high.Count || low.Count == 0)
            throw new UsageException($"z^B bounds need one low and one high value per channel (got {low.Count} and {high.Count}).");
        for (int c = 0; c < low.Count; c++)
            if (!(low[c] < high[c])) throw new UsageException($"z^B bounds of channel {c}: low {low[c]} must be below high {high[c]}.");
        this.low = low.ToArray();
        this.high = high.ToArray();
    }

    /// <summary>Bounds of images normalised as (x − mean)/std with x in [0,1].</summary>
    public static BoundedInputRule ForNormalization(Apc.Data.Normalization normalization)
    {
        if (normalization.Mean.Length != normalization.Std.Length || normalization.Std.Any(s => !(s > 0)))
            throw new UsageException("normalisation needs one mean and one positive std per channel.");
        return new BoundedInputRule(
            normalization.Mean.Select((m, c) => (0 - m) / normalization.Std[c]).ToArray(),
            normalization.Mean.Select((m, c) => (1 - m) / normalization.Std[c]).ToArray());
    }

    /// <summary>The lowest input value per channel, in normalised units.</summary>
    public IReadOnlyList<float> Low => low;
    /// <summary>The highest input value per channel, in normalised units.</summary>
    public IReadOnlyList<float> High => high;

    /// <inheritdoc/>
    public Tensor Propagate(PropagationNode layer, Tensor input, Tensor relevance)
    {
        if (input.dim() < 2 || input.shape[1] != low.Length)
            throw new ApcException(
                $"z^B rule: the input has {(input.dim() < 2 ? 0 : input.shape[1])} channels but the normalisation gives bounds for {low.Length}.");
        using var scope = NewDisposeScope();
        using var _ = enable_grad();
        var channelShape = new long[input.dim()];
        Array.Fill(channelShape, 1L);
        channelShape[1] = -1;
        var x = Relevance.Leaf(input);
        var l = Relevance.Leaf(tensor(low, device: input.device).to_type(input.dtype).reshape(channelShape).expand_as(input).contiguous());
        var h = Relevance.Leaf(tensor(high, device: input.device).to_type(input.dtype).reshape(channelShape).expand_as(input).contiguous());
        var w = layer.Weight!;
        var z = layer.Apply(x, w) - layer.Apply(l, w.clamp_min(0)) - layer.Apply(h, w.clamp_max(0));
        var s = Relevance.SafeDivide(relevance, z.detach());
        var g = Relevance.Backward(new[] { z }, new[] { s }, new[] { x, l, h });
        return (x.detach() * g[0] + l.detach() * g[1] + h.detach() * g[2]).MoveToOuterDisposeScope();
    }
}
