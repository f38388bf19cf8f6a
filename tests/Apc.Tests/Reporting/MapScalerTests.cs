using Apc.Attribution;
using Apc.Reporting;
using SkiaSharp;

namespace Apc.Tests.Reporting;

/// <summary>Percentile clipping and symmetric scaling against hand computations, and what they change on screen.</summary>
public class MapScalerTests
{
    [Fact]
    public void PercentileInterpolatesBetweenRanksLikeNumpy()
    {
        float[] values = [5, 1, 4, 2, 3, float.NaN];
        Assert.Equal(3, MapScaler.Percentile(values, 50), 6);      // rank 0.5·4 = 2
        Assert.Equal(4.6, MapScaler.Percentile(values, 90), 6);    // rank 3.6: 4 + 0.6·(5 − 4)
        Assert.Equal(1, MapScaler.Percentile(values, 0), 6);
        Assert.Equal(5, MapScaler.Percentile(values, 100), 6);
        var ramp = Enumerable.Range(0, 200).Select(i => (float)i).ToArray();
        Assert.Equal(198.005, MapScaler.Percentile(ramp, 99.5), 4); // rank 0.995·199
        Assert.True(double.IsNaN(MapScaler.Percentile([float.NaN], 50)));
    }

    [Fact]
    public void SymmetricScalingDividesByThePercentileOfTheMagnitudeAndClips()
    {
        float[] map = [-3, -1, 0, 1, 2, 8];
        // |v| sorted: 0 1 1 2 3 8; the 50th percentile is at rank 2.5: (1 + 2) / 2 = 1.5.
        var scaled = MapScaler.Symmetric(map, 50);
        Assert.Equal(1.5, scaled.Clip, 6);
        Assert.Equal([-1f, -1f / 1.5f, 0f, 1f / 1.5f, 1f, 1f], scaled.Values, new FloatTolerance(1e-6f));
        Assert.Equal(5, scaled.ArgMax);
        Assert.False(scaled.IsEmpty);
    }

    [Fact]
    public void SequentialScalingClipsAtThePercentileOfTheNonNegativePart()
    {
        float[] map = [-1, 0, 1, 2, 3];
        // max(v, 0) sorted: 0 0 1 2 3; the 75th percentile is at rank 3: 2.
        var scaled = MapScaler.Sequential(map, 75);
        Assert.Equal(2, scaled.Clip, 6);
        Assert.Equal([0f, 0f, 0.5f, 1f, 1f], scaled.Values, new FloatTolerance(1e-6f));
        Assert.Equal(4, scaled.ArgMax);
    }

    [Fact]
    public void ASparseMapFallsBackToItsMaximumAndAZeroMapIsEmpty()
    {
        var sparse = new float[1000];
        sparse[10] = -5;
        var scaled = MapScaler.Symmetric(sparse, 99.5); // the 99.5th percentile of |v| is 0
        Assert.Equal(5, scaled.Clip, 6);
        Assert.Equal(-1f, scaled.Values[10]);

        var zero = MapScaler.Symmetric(new float[9]);
        Assert.True(zero.IsEmpty);
        Assert.Equal(-1, zero.ArgMax);
        Assert.True(MapScaler.Sequential([-1f, -2f]).IsEmpty);
        Assert.Equal("no positive values", HeatmapOverlay.EmptyReason([-1f, -2f], MapScaling.Sequential));
        Assert.Equal("all zero", HeatmapOverlay.EmptyReason(new float[4], MapScaling.Symmetric));
    }

    [Fact]
    public void BlurKeepsTheSumAwayFromEdgesAndZeroSigmaIsTheIdentity()
    {
        var map = new float[15 * 15];
        map[7 * 15 + 7] = 1;
        var blurred = MapScaler.Blur(map, 15, 15, 1.0);
        Assert.Equal(1.0, blurred.Sum(), 4);
        Assert.True(blurred[7 * 15 + 7] < 1 && blurred[7 * 15 + 8] > 0);
        Assert.Equal(map, MapScaler.Blur(map, 15, 15, 0));
    }

    [Fact]
    public void ASignedMapWithOneHugeOutlierStillShowsItsOtherPixels()
    {
        const int h = 16, w = 16;
        var random = new Random(3);
        var map = Enumerable.Range(0, h * w).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        map[5 * w + 5] = 1e6f;
        var white = Enumerable.Repeat((byte)255, h * w).ToArray();
        var style = HeatmapStyle.For(MapKind.PixelSigned) with { Scale = 1, MarkMaximum = false };
        // Clipping alone (no blur): nearly every clearly signed pixel is coloured. With the display blur, which
        // averages this white noise's neighbours of opposite sign, most still are: the outlier does not wash them out.
        Assert.True(Coloured(style with { BlurSigma = 0 }) >= 0.9);
        Assert.True(Coloured(style) >= 0.6);

        double Coloured(HeatmapStyle s)
        {
            using var bitmap = HeatmapOverlay.Render(white, 1, h, w, map, s);
            int strong = 0, coloured = 0;
            for (int i = 0; i < map.Length; i++)
            {
                if (i == 5 * w + 5 || Math.Abs(map[i]) < 0.5f) continue;
                strong++;
                var c = bitmap.GetPixel(i % w, i / w);
                if (255 * 3 - (c.Red + c.Green + c.Blue) > 60) coloured++;
            }
            return (double)coloured / strong;
        }

        // Without blur the colours are exact: +c is red, −c blue, and zero leaves the (white) image.
        float[] small = [1f, -1f, 0f, 1e6f];
        using var exact = HeatmapOverlay.Render(Enumerable.Repeat((byte)255, 4).ToArray(), 1, 2, 2, small,
            style with { BlurSigma = 0, ClipPercentile = 50 });
        Assert.Equal(new SKColor(255, 0, 0), exact.GetPixel(0, 0));
        Assert.Equal(new SKColor(0, 0, 255), exact.GetPixel(1, 0));
        Assert.Equal(new SKColor(255, 255, 255), exact.GetPixel(0, 1));
    }

    [Fact]
    public void EveryMethodHasADisplayForItsKindOfMap()
    {
        foreach (var name in AttributionMethods.Names)
        {
            var method = AttributionMethods.Create(name);
            var style = HeatmapStyle.For(method.Kind);
            var expected = method.Kind == MapKind.PixelSigned ? MapScaling.Symmetric : MapScaling.Sequential;
            Assert.Equal(expected, style.Scaling);
        }
        Assert.Equal(MapKind.PixelSigned, AttributionMethods.Create("lrp").Kind);
        Assert.Equal(MapKind.PixelSigned, AttributionMethods.Create("rap").Kind);
        Assert.Equal(MapKind.Coarse, AttributionMethods.Create("gradcam").Kind);
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(float value) => 0;
    }
}
