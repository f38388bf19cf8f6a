using Apc.Reporting;
using SkiaSharp;

namespace Apc.Tests.Reporting;

public class HeatmapOverlayTests
{
    private const int H = 9, W = 11;

    private static byte[] Grey(byte value) => Enumerable.Repeat(value, H * W).ToArray();

    /// <summary>A map in [0,1) from a fixed generator, with one clear maximum at (x, y).</summary>
    private static float[] MapWithMaximumAt(int x, int y)
    {
        var random = new Random(5);
        var map = Enumerable.Range(0, H * W).Select(_ => (float)random.NextDouble()).ToArray();
        map[y * W + x] = 5f;
        return map;
    }

    private static HashSet<(int X, int Y)> PixelsOf(SKBitmap bitmap, SKColor color, int height)
    {
        var found = new HashSet<(int, int)>();
        for (int y = 0; y < height; y++)
            for (int x = 0; x < bitmap.Width; x++)
                if (bitmap.GetPixel(x, y) == color)
                    found.Add((x, y));
        return found;
    }

    [Fact]
    public void MarkerIsACrossCentredOnTheMaximum()
    {
        var style = new HeatmapStyle { Scale = 1 };
        using var bitmap = HeatmapOverlay.Render(Grey(100), 1, H, W, MapWithMaximumAt(6, 3), style);

        // Scale 1: arms of 3 pixels, one pixel wide, centred on the maximum's pixel.
        var expected = new HashSet<(int, int)>();
        for (int d = -3; d <= 3; d++)
        {
            expected.Add((6 + d, 3));
            expected.Add((6, 3 + d));
        }
        Assert.Equal(expected, PixelsOf(bitmap, SKColors.White, H));
        Assert.Equal(SKColors.Black, bitmap.GetPixel(7, 4)); // rim in the cross's corner
        Assert.Equal(SKColors.Black, bitmap.GetPixel(10, 3)); // rim beyond the arm's end
    }

    [Fact]
    public void EnlargedMarkerCentresOnTheMaximumsBlock()
    {
        var style = new HeatmapStyle { Scale = 4 };
        using var bitmap = HeatmapOverlay.Render(Grey(100), 1, H, W, MapWithMaximumAt(2, 7), style);

        Assert.Equal(W * 4, bitmap.Width);
        Assert.Equal(H * 4, bitmap.Height);
        // Centre of source pixel (2, 7)'s 4×4 block is output pixel (2·4+2, 7·4+2) = (10, 30). Scale 4: arms
        // reach 8 pixels, 3 pixels wide; the lower arm is cut by the picture's bottom edge (y = 35).
        var expected = new HashSet<(int, int)>();
        for (int dy = -8; dy <= 8; dy++)
            for (int dx = -8; dx <= 8; dx++)
                if ((Math.Abs(dx) <= 1 || Math.Abs(dy) <= 1) && 30 + dy < H * 4)
                    expected.Add((10 + dx, 30 + dy));
        Assert.Equal(expected, PixelsOf(bitmap, SKColors.White, H * 4));
    }

    [Fact]
    public void BlendsTheColouredMapWithOpacityFollowingTheValue()
    {
        var map = new float[H * W];
        map[0] = -1f;       // minimum: normalised 0, fully transparent
        map[5 * W + 1] = 3f; // maximum: normalised 1 (marked)
        map[8 * W + 9] = 1f; // normalised 0.5: viridis' middle anchor 0x21918C, opacity 0.6·0.5
        var style = new HeatmapStyle { Scale = 1, MarkMaximum = false };
        using var bitmap = HeatmapOverlay.Render(Grey(100), 1, H, W, map, style);

        Assert.Equal(new SKColor(100, 100, 100), bitmap.GetPixel(0, 0));
        static byte Mix(float image, float colour) => (byte)MathF.Round(image * (1 - 0.3f) + colour * 0.3f);
        Assert.Equal(new SKColor(Mix(100, 0x21), Mix(100, 0x91), Mix(100, 0x8C)), bitmap.GetPixel(9, 8));
        // Zero everywhere else normalises to 1/4 of the way from -1 to 3: viridis' third anchor 0x3B528B, opacity 0.6/4.
        static byte MixQuarter(float image, float colour) => (byte)MathF.Round(image * (1 - 0.15f) + colour * 0.15f);
        Assert.Equal(new SKColor(MixQuarter(100, 0x3B), MixQuarter(100, 0x52), MixQuarter(100, 0x8B)), bitmap.GetPixel(4, 4));
        // The maximum: normalised 1, viridis' last anchor 0xFDE725 at the full opacity 0.6.
        static byte MixTop(float image, float colour) => (byte)MathF.Round(image * (1 - 0.6f) + colour * 0.6f);
        Assert.Equal(new SKColor(MixTop(100, 0xFD), MixTop(100, 0xE7), MixTop(100, 0x25)), bitmap.GetPixel(1, 5));
    }

    [Fact]
    public void ConstantOpacityBlendsEveryPixelAlike()
    {
        var map = new float[H * W];
        map[3] = 2f;
        var style = new HeatmapStyle { Scale = 1, MarkMaximum = false, OpacityFollowsValue = false, Opacity = 0.5f };
        using var bitmap = HeatmapOverlay.Render(Grey(100), 1, H, W, map, style);

        var low = Colormap.Viridis.Map(0f);
        static byte Half(float image, float colour) => (byte)MathF.Round(image * 0.5f + colour * 0.5f);
        Assert.Equal(new SKColor(Half(100, low.R), Half(100, low.G), Half(100, low.B)), bitmap.GetPixel(8, 8));
    }

    [Fact]
    public void ColourImagesKeepTheirChannels()
    {
        var rgb = new byte[3 * H * W];
        Array.Fill(rgb, (byte)10, 0, H * W);
        Array.Fill(rgb, (byte)20, H * W, H * W);
        Array.Fill(rgb, (byte)30, 2 * H * W, H * W);
        var map = new float[H * W];
        map[^1] = 1f;
        using var bitmap = HeatmapOverlay.Render(rgb, 3, H, W, map, new HeatmapStyle { Scale = 1, MarkMaximum = false });
        Assert.Equal(new SKColor(10, 20, 30), bitmap.GetPixel(0, 0)); // map 0 there: opacity 0
    }

    [Fact]
    public void ConstantOrNonFiniteMapsMarkNothingAndSayWhy()
    {
        var nan = Enumerable.Repeat(float.NaN, H * W).ToArray();
        var cases = new[] { (new float[H * W], "all zero"), (Enumerable.Repeat(2.5f, H * W).ToArray(), "constant"), (nan, "no finite values") };
        foreach (var (map, reason) in cases)
        {
            Assert.Equal(reason, HeatmapOverlay.EmptyReason(map, MapScaling.MinMax));
            // With the notice turned off (empty text) the image is left as it is and nothing is marked.
            using var bitmap = HeatmapOverlay.Render(Grey(77), 1, H, W, map, new HeatmapStyle { Scale = 1 }, emptyText: "");
            Assert.Empty(PixelsOf(bitmap, SKColors.White, H));
            Assert.Equal(H * W, PixelsOf(bitmap, new SKColor(77, 77, 77), H).Count);
            // By default the reason is written across the picture (a white box), so the panel is not a bare image.
            using var noticed = HeatmapOverlay.Render(Enumerable.Repeat((byte)77, 40 * 40).ToArray(), 1, 40, 40, map.Length == 40 * 40 ? map : Resize(map), new HeatmapStyle { Scale = 4 });
            Assert.NotEmpty(PixelsOf(noticed, SKColors.White, 160));
        }

        static float[] Resize(float[] map) => Enumerable.Repeat(map[0], 40 * 40).ToArray();
    }

    [Fact]
    public void NormaliseIgnoresNonFiniteValuesAndFindsTheFirstMaximum()
    {
        var (normalised, argMax) = HeatmapOverlay.Normalise([2f, float.NaN, 6f, float.PositiveInfinity, 6f, 4f]);
        Assert.Equal([0f, 0f, 1f, 0f, 1f, 0.5f], normalised);
        Assert.Equal(2, argMax);
    }

    [Fact]
    public void CaptionAddsAStripBelowThePicture()
    {
        var style = new HeatmapStyle { Scale = 2, BuiltInFont = true, CaptionFontSize = 8 };
        using var bitmap = HeatmapOverlay.Render(Grey(100), 1, H, W, MapWithMaximumAt(1, 1), style, caption: "A");
        // Pixel font at size 8: one line is 9 pixels, plus 4 pixels of padding above and below.
        Assert.Equal(H * 2 + 9 + 8, bitmap.Height);
        Assert.Equal(W * 2, bitmap.Width);
        Assert.Contains(Enumerable.Range(H * 2, 17).SelectMany(y => Enumerable.Range(0, W * 2).Select(x => bitmap.GetPixel(x, y))),
            c => c == new SKColor(0x22, 0x22, 0x22));
    }

    [Fact]
    public void BadShapesAreClearErrors()
    {
        var map = new float[H * W];
        Assert.Contains("expected 1x9x11", Assert.Throws<ArgumentException>(() => HeatmapOverlay.Render(new byte[5], 1, H, W, map)).Message);
        Assert.Contains("1 (grey) or 3 (RGB)", Assert.Throws<ArgumentException>(() => HeatmapOverlay.Render(new byte[2 * H * W], 2, H, W, map)).Message);
        Assert.Contains("map has 3 values", Assert.Throws<ArgumentException>(() => HeatmapOverlay.Render(Grey(0), 1, H, W, new float[3])).Message);
        Assert.Contains("mask has 4 values", Assert.Throws<ArgumentException>(() => HeatmapOverlay.Render(Grey(0), 1, H, W, map, mask: new float[4])).Message);
        Assert.Contains("scale must be 1..32", Assert.Throws<ArgumentException>(() => HeatmapOverlay.Render(Grey(0), 1, H, W, map, new HeatmapStyle { Scale = 0 })).Message);
        Assert.Contains("opacity", Assert.Throws<ArgumentException>(() => HeatmapOverlay.Render(Grey(0), 1, H, W, map, new HeatmapStyle { Opacity = 1.5f })).Message);
    }

    [Fact]
    public void PngBytesDecodeToTheSamePixels()
    {
        var map = MapWithMaximumAt(4, 4);
        var style = new HeatmapStyle { Scale = 3 };
        var png = HeatmapOverlay.RenderPng(Grey(90), 1, H, W, map, style);
        Assert.Equal((W * 3, H * 3), PngHeader.Size(png));
        using var decoded = SKBitmap.Decode(png);
        using var direct = HeatmapOverlay.Render(Grey(90), 1, H, W, map, style);
        for (int y = 0; y < direct.Height; y++)
            for (int x = 0; x < direct.Width; x++)
                Assert.Equal(direct.GetPixel(x, y), decoded.GetPixel(x, y));
    }
}
