using Apc.Attribution;
using Apc.Reporting;
using SkiaSharp;

namespace Apc.Tests.Reporting;

/// <summary>The display of signed maps: zero is the neutral colour, +v and −v are mirror images of each other.</summary>
public class DivergingDisplayTests
{
    [Fact]
    public void BlueWhiteRedIsWhiteAtZeroAndMirrorsRedAndBlueForOppositeValues()
    {
        var map = Colormap.BlueWhiteRed;
        Assert.Equal(new byte[] { 255, 255, 255, 255, 0, 0, 0, 0, 255 }, map.MapSigned([0f, 1f, -1f]));
        // Half-way from white to red: 255 + (0 − 255)·0.5 = 127.5, rounded to even.
        Assert.Equal(new byte[] { 255, 128, 128, 128, 128, 255 }, map.MapSigned([0.5f, -0.5f]));
        var values = Enumerable.Range(0, 1001).Select(i => i / 1000f).ToArray();
        var plus = map.MapSigned(values);
        var minus = map.MapSigned(values.Select(v => -v).ToArray());
        for (int i = 0; i < values.Length; i++)
        {
            // −v's colour is +v's with red and blue exchanged.
            Assert.Equal((plus[3 * i], plus[3 * i + 1], plus[3 * i + 2]), (minus[3 * i + 2], minus[3 * i + 1], minus[3 * i]));
            Assert.Equal(plus[3 * i + 1], plus[3 * i + 2]); // red side: green = blue, fading from white
        }
        // Signed colouring agrees with the plain map read at 0.5 + v/2 at the anchors.
        Assert.Equal(map.Map(0.5f), (plus[0], plus[1], plus[2]));
        Assert.Equal(map.Map(1f), (plus[^3], plus[^2], plus[^1]));
    }

    [Fact]
    public void SymmetricScalingIsOddAndKeepsZeroAtZero()
    {
        var random = new Random(11);
        var map = Enumerable.Range(0, 400).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        map[17] = 0;
        var negated = map.Select(v => -v).ToArray();
        var scaled = MapScaler.Symmetric(map);
        var scaledNegated = MapScaler.Symmetric(negated);
        Assert.Equal(scaled.Clip, scaledNegated.Clip);
        for (int i = 0; i < map.Length; i++)
            Assert.Equal(-scaled.Values[i], scaledNegated.Values[i]);
        Assert.Equal(0f, scaled.Values[17]);
    }

    [Fact]
    public void OnTheImageZeroLeavesTheImageAndOppositeValuesGetMirroredColours()
    {
        // c = max |v| = 1 (percentile 100): ±0.5 are half-way colours, 0 leaves the white image as it is.
        float[] map = [0.5f, -0.5f, 0f, 1f, -1f, 0.25f, -0.25f, 0f, 0f];
        var white = Enumerable.Repeat((byte)255, map.Length).ToArray();
        var style = HeatmapStyle.For(MapKind.PixelSigned) with { Scale = 1, BlurSigma = 0, ImageFade = 0, ClipPercentile = 100, MarkMaximum = false };
        using var bitmap = HeatmapOverlay.Render(white, 1, 3, 3, map, style);
        SKColor At(int i) => bitmap.GetPixel(i % 3, i / 3);
        Assert.Equal(new SKColor(255, 255, 255), At(2));
        foreach (var (plus, minus) in new[] { (0, 1), (3, 4), (5, 6) })
        {
            var (p, m) = (At(plus), At(minus));
            Assert.Equal((p.Red, p.Green, p.Blue), (m.Blue, m.Green, m.Red));
            Assert.True(p.Red > p.Blue, $"+{map[plus]} should be red, got {p}");
        }
        Assert.Equal(new SKColor(255, 0, 0), At(3));
    }

    [Fact]
    public void ASignedMapWithoutPositiveValuesIsShownButMarksNoMaximum()
    {
        float[] map = [-0.1f, -2f, -1f, -3f];
        var scaled = MapScaler.Symmetric(map, 100);
        Assert.False(scaled.IsEmpty);
        Assert.Equal(-1, scaled.ArgMax);
        Assert.Equal(2, MapScaler.Symmetric([-1f, 0f, 2f, 1f], 100).ArgMax);
    }
}
