using Apc.Compression.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Compression.Quantization;

public class AffineQuantizerTests
{
    [Fact]
    public void RangeIsWidenedToIncludeZeroAndReluRangesGetZeroPointZero()
    {
        var relu = AffineQuantizer.FromRange(0.5, 5.1, 8);
        Assert.Equal(0, relu.ZeroPoint);
        Assert.Equal((float)(5.1 / 255), relu.Scale);

        // [-1, 3]: scale 4/255, zero point round(1 / scale) = round(63.75) = 64.
        var signed = AffineQuantizer.FromRange(-1, 3, 8);
        Assert.Equal((float)(4.0 / 255), signed.Scale);
        Assert.Equal(64, signed.ZeroPoint);

        var allZero = AffineQuantizer.FromRange(0, 0, 8);
        Assert.Equal(0, allZero.ZeroPoint);
        Assert.True(allZero.Scale > 0);
    }

    [Theory]
    [InlineData(-1.0, 3.0, 8)]
    [InlineData(0.0, 6.0, 8)]
    [InlineData(-0.2, 0.7, 4)]
    public void RoundTripErrorInsideTheRangeIsAtMostHalfAStep(double min, double max, int bits)
    {
        var q = AffineQuantizer.FromRange(min, max, bits);
        var (lo, hi) = q.Range;
        using var x = linspace(lo, hi, 20001, dtype: float32);
        using var y = q.FakeQuantize(x);
        var error = (y - x).abs().max().item<float>();
        // Half a step, plus float32 rounding of x/scale and of level·scale (a few ulps of the largest |x|).
        Assert.True(error <= q.Scale / 2 + 4e-7 * Math.Max(Math.Abs(lo), Math.Abs(hi)), $"error {error}, step {q.Scale}");
    }

    [Fact]
    public void ValuesOutsideTheRangeAreClippedToItsEnds()
    {
        var q = AffineQuantizer.FromRange(-1, 3, 8);
        var (lo, hi) = q.Range;
        using var x = tensor(new float[] { -50, -1.5f, 4, 100 });
        using var y = q.FakeQuantize(x);
        Assert.Equal(new[] { (float)lo, (float)lo, (float)hi, (float)hi }, y.data<float>().ToArray());
    }

    [Theory]
    [InlineData(8)]
    [InlineData(3)]
    public void OutputTakesAtMostTwoToTheBitsValues(int bits)
    {
        torch.manual_seed(7);
        var q = AffineQuantizer.FromRange(-2, 5, bits);
        using var x = randn(10000) * 4;
        using var y = q.FakeQuantize(x);
        var (distinct, _, _) = y.unique();
        using (distinct) Assert.InRange(distinct.numel(), 2, 1 << bits);
    }

    [Fact]
    public void StraightThroughGradientIsIdentityInsideAndZeroOutside()
    {
        var q = AffineQuantizer.FromRange(-1, 3, 8);
        using var x = tensor(new float[] { -5f, -0.9f, -0.01f, 0f, 0.33f, 1.7f, 2.95f, 3.5f, 9f }).requires_grad_(true);
        using var y = q.FakeQuantize(x);
        using var weights = arange(1, 10, dtype: float32); // a non-uniform upstream gradient
        using var loss = (y * weights).sum();
        loss.backward();
        var inside = new[] { false, true, true, true, true, true, true, false, false };
        var expected = inside.Select((i, k) => i ? k + 1f : 0f).ToArray();
        Assert.Equal(expected, x.grad!.data<float>().ToArray());

        // The forward values are exactly the grid values, with or without autograd.
        using var plain = q.FakeQuantize(x.detach());
        TensorAssert.Same(plain, y.detach());
    }
}
