using static TorchSharp.torch;

namespace Apc.Compression.Quantization;

/// <summary>A per-tensor affine activation grid: x ↦ (clamp(round(x/Scale) + ZeroPoint, 0, 2^b−1) − ZeroPoint)·Scale.
/// The grid always contains 0 exactly (ReLU outputs get ZeroPoint 0 and the levels 0 … 2^b−1).</summary>
/// <param name="Scale">Step between neighbouring levels, float32 so that a stored grid reproduces bit for bit.</param>
/// <param name="ZeroPoint">The integer level that represents 0.</param>
/// <param name="Bits">b: the grid has 2^b levels.</param>
public sealed record AffineQuantizer(float Scale, int ZeroPoint, int Bits)
{
    /// <summary>The highest integer level, 2^bits − 1.</summary>
    public int MaxLevel => (1 << Bits) - 1;

    /// <summary>The grid that spans [min, max] (widened to include 0) with 2^b levels.</summary>
    public static AffineQuantizer FromRange(double min, double max, int bits)
    {
        if (bits < QuantizationOptions.MinBits || bits > QuantizationOptions.MaxBits)
            throw new UsageException($"--activation-bits must be between {QuantizationOptions.MinBits} and {QuantizationOptions.MaxBits} (got {bits}).");
        if (!double.IsFinite(min) || !double.IsFinite(max))
            throw new ApcException($"activation range [{min}, {max}] is not finite; the network produced inf or NaN.");
        int maxLevel = (1 << bits) - 1;
        double lo = Math.Min(min, 0), hi = Math.Max(max, 0);
        float scale = (float)((hi - lo) / maxLevel);
        // A tensor that was always zero: any positive scale represents it exactly.
        if (!(scale > 0) || !float.IsFinite(scale)) scale = 1f;
        int zeroPoint = (int)Math.Clamp(Math.Round(-lo / scale), 0, maxLevel);
        return new AffineQuantizer(scale, zeroPoint, bits);
    }

    /// <summary>The tensor moved onto the grid. When <paramref name="x"/> takes part in autograd, the gradient
    /// is passed straight through (identity) where x maps inside the grid and is zero where it is clipped, as
    /// PyTorch's fake_quantize does. The forward values are exactly the grid values: the result is
    /// fq(x).detach() + mask·(x − x.detach()), where the second term is exactly 0 but carries the gradient.</summary>
    public Tensor FakeQuantize(Tensor x)
    {
        using var scope = NewDisposeScope();
        bool passGradient = x.requires_grad && is_grad_enabled();
        Tensor onGrid;
        Tensor? inside = null;
        using (no_grad())
        {
            var unclipped = x.detach().div(Scale).round_().add_(ZeroPoint);
            if (passGradient) inside = unclipped.ge(0).logical_and_(unclipped.le(MaxLevel)).to(x.dtype);
            onGrid = unclipped.clamp_(0, MaxLevel).sub_(ZeroPoint).mul_(Scale);
        }
        var result = passGradient ? onGrid + (x - x.detach()) * inside! : onGrid;
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>The representable interval [(0 − ZeroPoint)·Scale, (2^b−1 − ZeroPoint)·Scale].</summary>
    public (double Min, double Max) Range => ((double)-ZeroPoint * Scale, (double)(MaxLevel - ZeroPoint) * Scale);
}
