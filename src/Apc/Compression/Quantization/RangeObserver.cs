using static TorchSharp.torch;

namespace Apc.Compression.Quantization;

/// <summary>The observed value range [Min, Max] of one activation tensor: either the union over all calibration
/// batches (post-training calibration) or an exponential moving average of the batch ranges (quantization-aware
/// training).</summary>
public sealed class RangeObserver
{
    /// <summary>The lowest value seen (or averaged).</summary>
    public double Min { get; private set; }
    /// <summary>The highest value seen (or averaged).</summary>
    public double Max { get; private set; }
    /// <summary>Whether any value has been observed.</summary>
    public bool HasRange { get; private set; }

    /// <summary>Widens the range to include every value of <paramref name="x"/>.</summary>
    public void Include(Tensor x)
    {
        var (min, max) = BatchRange(x);
        if (!HasRange) Set(min, max);
        else Set(Math.Min(Min, min), Math.Max(Max, max));
    }

    /// <summary>range ← m·range + (1−m)·(range of <paramref name="x"/>); the first batch sets the range.</summary>
    public void Average(Tensor x, double momentum)
    {
        var (min, max) = BatchRange(x);
        if (!HasRange) Set(min, max);
        else Set(momentum * Min + (1 - momentum) * min, momentum * Max + (1 - momentum) * max);
    }

    /// <summary>Sets the range (a resumed run).</summary>
    public void Set(double min, double max)
    {
        if (min > max) throw new ArgumentException($"range minimum {min} is above its maximum {max}.");
        Min = min; Max = max; HasRange = true;
    }

    /// <summary>The grid of <paramref name="bits"/> bits for the observed range (<see cref="AffineQuantizer.FromRange"/>); an <see cref="InvalidOperationException"/> before any value was observed.</summary>
    public AffineQuantizer Quantizer(int bits)
    {
        if (!HasRange) throw new InvalidOperationException("an activation range was used before any value was observed.");
        return AffineQuantizer.FromRange(Min, Max, bits);
    }

    static (double Min, double Max) BatchRange(Tensor x)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (min, max) = x.detach().aminmax();
        return (min.to(float64).item<double>(), max.to(float64).item<double>());
    }
}
