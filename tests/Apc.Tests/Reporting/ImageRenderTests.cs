using Apc.Reporting;
using SkiaSharp;

namespace Apc.Tests.Reporting;

public class ImageRenderTests
{
    // Hand-made mask: '#' outline (inside, with a 4-neighbour outside or the picture's edge), 'i' interior
    // (all four neighbours inside), '.' outside. The single pixel in the corner touches the edge.
    private static readonly string[] Picture =
    [
        ".......",
        ".###...",
        ".#ii#..",
        ".##i#..",
        "...##..",
        "......#",
    ];
    private const int H = 6, W = 7;
    private static readonly SKColor Magenta = new(255, 0, 255);

    private static float[] Mask() =>
        Picture.SelectMany(row => row.Select(c => c == '.' ? 0f : 1f)).ToArray();

    private static byte[] GreyRamp() => Enumerable.Range(0, H * W).Select(i => (byte)(i * 3)).ToArray();

    private static HashSet<(int X, int Y)> Marked(char kind) =>
        Enumerable.Range(0, H).SelectMany(y => Enumerable.Range(0, W).Where(x => Picture[y][x] == kind).Select(x => (x, y))).ToHashSet();

    [Fact]
    public void OutlineIsExactlyTheMaskBoundary()
    {
        using var bitmap = ImageRender.Render(GreyRamp(), 1, H, W, new PictureStyle { Scale = 1 }, Mask());

        var outlined = new HashSet<(int, int)>();
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                if (bitmap.GetPixel(x, y) == Magenta)
                    outlined.Add((x, y));
        Assert.Equal(Marked('#'), outlined);
        // Everything else shows the image unchanged.
        var ramp = GreyRamp();
        foreach (var (x, y) in Marked('i').Concat(Marked('.')))
            Assert.Equal(new SKColor(ramp[y * W + x], ramp[y * W + x], ramp[y * W + x]), bitmap.GetPixel(x, y));
    }

    [Fact]
    public void EnlargedOutlineRunsAlongTheOutsideFacingSides()
    {
        const int scale = 4; // line width max(1, 4/4) = 1
        using var bitmap = ImageRender.Render(GreyRamp(), 1, H, W, new PictureStyle { Scale = scale }, Mask());
        Assert.Equal((W * scale, H * scale), (bitmap.Width, bitmap.Height));

        bool InMask(int x, int y) => x >= 0 && y >= 0 && x < W && y < H && Picture[y][x] != '.';
        for (int y = 0; y < H * scale; y++)
            for (int x = 0; x < W * scale; x++)
            {
                int sx = x / scale, sy = y / scale, ox = x % scale, oy = y % scale;
                bool expected = InMask(sx, sy) && (
                    (ox == 0 && !InMask(sx - 1, sy)) || (ox == scale - 1 && !InMask(sx + 1, sy)) ||
                    (oy == 0 && !InMask(sx, sy - 1)) || (oy == scale - 1 && !InMask(sx, sy + 1)));
                Assert.True(expected == (bitmap.GetPixel(x, y) == Magenta), $"output pixel ({x},{y}) in source pixel ({sx},{sy})");
            }
    }

    [Fact]
    public void EnlargingRepeatsEachPixel()
    {
        byte[] rgb = [10, 20, 30, 40, 50, 60, /* green */ 1, 2, 3, 4, 5, 6, /* blue */ 7, 8, 9, 0, 11, 12];
        using var bitmap = ImageRender.Render(rgb, 3, 2, 3, new PictureStyle { Scale = 2 });
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 6; x++)
            {
                int source = y / 2 * 3 + x / 2;
                Assert.Equal(new SKColor(rgb[source], rgb[6 + source], rgb[12 + source]), bitmap.GetPixel(x, y));
            }
    }

    [Fact]
    public void PngHasTheEnlargedSizePlusTheCaption()
    {
        var png = ImageRender.RenderPng(GreyRamp(), 1, H, W, new PictureStyle { Scale = 5, BuiltInFont = true, CaptionFontSize = 16 }, Mask(), "caption");
        // Pixel font at size 16: cells of 2 pixels, one line = 9 cells = 18 pixels, plus 2·4 pixels of padding.
        Assert.Equal((W * 5, H * 5 + 18 + 8), PngHeader.Size(png));
    }
}
