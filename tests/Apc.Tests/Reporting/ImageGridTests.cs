using Apc.Reporting;
using SkiaSharp;

namespace Apc.Tests.Reporting;

public class ImageGridTests
{
    private static readonly SKColor Ink = new(0x22, 0x22, 0x22);

    private static SKBitmap Solid(int width, int height, SKColor color)
    {
        var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Premul);
        bitmap.Erase(color);
        return bitmap;
    }

    /// <summary>Row 0: 10×20 red, 30×10 green. Row 1: blank, 12×12 blue, 5×5 yellow.</summary>
    private static List<List<SKBitmap?>> Cells() =>
    [
        [Solid(10, 20, SKColors.Red), Solid(30, 10, SKColors.Lime)],
        [null, Solid(12, 12, SKColors.Blue), Solid(5, 5, SKColors.Yellow)],
    ];

    private static byte[] EncodePng(SKBitmap bitmap)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static void DisposeAll(List<List<SKBitmap?>> cells)
    {
        foreach (var cell in cells.SelectMany(row => row))
            cell?.Dispose();
    }

    // Built-in pixel font at size 8: one cell per font pixel, a line is 9 pixels tall, a string of n
    // characters is 6n - 1 pixels wide.
    private static readonly GridStyle PixelStyle = new() { BuiltInFont = true, FontSize = 8, Gap = 6, Padding = 8 };
    private static readonly string[] RowLabels = ["row", "second\nrow"];
    private static readonly string[] ColumnLabels = ["a", "bb", "ccc"];

    [Fact]
    public void SizeIsCellsPlusLabelsPlusGaps()
    {
        var cells = Cells();
        try
        {
            using var grid = ImageGrid.ComposeBitmap(cells, RowLabels, ColumnLabels, PixelStyle);
            int labelColumn = (6 * "second".Length - 1) + 6;      // widest row-label line, then a gap
            int header = 9 + 6;                                  // one line of column labels, then a gap
            int[] columnWidths = [10, 30, 5];                    // widest cell of each column
            int[] rowHeights = [20, 2 * 9];                      // tallest cell, or the two-line label of row 1
            Assert.Equal(2 * 8 + labelColumn + columnWidths.Sum() + 2 * 6, grid.Width);
            Assert.Equal(2 * 8 + header + rowHeights.Sum() + 1 * 6, grid.Height);

            // Cells sit centred in their slots.
            int left0 = 8 + labelColumn, left1 = left0 + 10 + 6, left2 = left1 + 30 + 6;
            int top0 = 8 + header, top1 = top0 + 20 + 6;
            Assert.Equal(SKColors.Red, grid.GetPixel(left0, top0));
            Assert.Equal(SKColors.Red, grid.GetPixel(left0 + 9, top0 + 19));
            Assert.Equal(SKColors.White, grid.GetPixel(left1, top0 + 4));      // above the green cell, centred in 20
            Assert.Equal(SKColors.Lime, grid.GetPixel(left1, top0 + 5));
            Assert.Equal(SKColors.Blue, grid.GetPixel(left1 + 9, top1 + 3));   // (30-12)/2 and (18-12)/2
            Assert.Equal(SKColors.White, grid.GetPixel(left1 + 8, top1 + 3));
            Assert.Equal(SKColors.Yellow, grid.GetPixel(left2, top1 + 6));     // (18-5)/2 = 6
            Assert.Equal(SKColors.Yellow, grid.GetPixel(grid.Width - 8 - 1, top1 + 6 + 4));
            Assert.Equal(SKColors.White, grid.GetPixel(left0 + 5, top1 + 9));  // the blank cell
        }
        finally { DisposeAll(cells); }
    }

    [Fact]
    public void TitleAddsItsLineAndAGap()
    {
        var cells = Cells();
        try
        {
            using var plain = ImageGrid.ComposeBitmap(cells, RowLabels, ColumnLabels, PixelStyle);
            using var titled = ImageGrid.ComposeBitmap(cells, RowLabels, ColumnLabels, PixelStyle with { Title = "T" });
            // Title font is 1.3 × 8 = 10.4 pixels: still one cell per font pixel, a 9-pixel line.
            Assert.Equal(plain.Height + 9 + 6, titled.Height);
            Assert.Equal(plain.Width, titled.Width);
        }
        finally { DisposeAll(cells); }
    }

    [Fact]
    public void PixelFontDrawsTheLabels()
    {
        var cells = Cells();
        try
        {
            using var grid = ImageGrid.ComposeBitmap(cells, RowLabels, ColumnLabels, PixelStyle);
            // "row" is drawn at the left padding, centred on row 0 (20 tall, one 9-pixel line: top at +5),
            // its glyphs starting one font pixel below the line's top. 'R' has ink in its top-left cell.
            int rowTop = 8 + 15 + (20 - 9) / 2;
            Assert.Equal(Ink, grid.GetPixel(8, rowTop + 1));
            int inkInLabelColumn = 0;
            for (int y = 0; y < grid.Height; y++)
                for (int x = 0; x < 8 + 35; x++)
                    if (grid.GetPixel(x, y) == Ink) inkInLabelColumn++;
            Assert.True(inkInLabelColumn > 30, $"only {inkInLabelColumn} ink pixels in the row-label column");
        }
        finally { DisposeAll(cells); }
    }

    [Fact]
    public void SystemFontLabelsRenderWithoutError()
    {
        // With fonts installed this uses one; without, it falls back to the pixel font. Either way there is ink.
        var cells = Cells();
        try
        {
            using var grid = ImageGrid.ComposeBitmap(cells, ["Grad-CAM (teacher)", "LRP ε"], ["input", "overlay", "mask"],
                new GridStyle { Title = "Overlays" });
            Assert.True(grid.Width > 10 + 30 + 5 && grid.Height > 20 + 12);
            int dark = 0;
            for (int y = 0; y < grid.Height; y++)
                for (int x = 0; x < 40; x++)
                    if (grid.GetPixel(x, y).Red < 128) dark++;
            Assert.True(dark > 0, "row labels left no ink");
        }
        finally { DisposeAll(cells); }
    }

    [Fact]
    public void PngCellsGiveTheSameGridAsBitmaps()
    {
        var cells = Cells();
        try
        {
            var pngCells = cells.Select(row => (IReadOnlyList<byte[]?>)row.Select(cell => cell is null ? null : EncodePng(cell)).ToList()).ToList();
            var fromPng = ImageGrid.Compose(pngCells, RowLabels, ColumnLabels, PixelStyle);
            var fromBitmaps = ImageGrid.Compose(cells, RowLabels, ColumnLabels, PixelStyle);
            using var a = SKBitmap.Decode(fromPng);
            using var b = SKBitmap.Decode(fromBitmaps);
            Assert.Equal((b.Width, b.Height), PngHeader.Size(fromPng));
            Assert.Equal(b.Pixels, a.Pixels);
        }
        finally { DisposeAll(cells); }
    }

    [Fact]
    public void BadInputIsAClearError()
    {
        var cells = Cells();
        try
        {
            Assert.Contains("2 rows but 1 row labels", Assert.Throws<ArgumentException>(() => ImageGrid.Compose(cells, ["only"])).Message);
            IReadOnlyList<IReadOnlyList<byte[]?>> notPng = [[new byte[] { 1, 2, 3 }]];
            Assert.Contains("grid cell (row 0, column 0) is not a PNG", Assert.Throws<ArgumentException>(() => ImageGrid.Compose(notPng)).Message);
            Assert.Contains("font size", Assert.Throws<ArgumentException>(() => ImageGrid.Compose(cells, style: new GridStyle { FontSize = 0 })).Message);
        }
        finally { DisposeAll(cells); }
    }

    [Fact]
    public void EmptyGridIsJustThePadding()
    {
        using var grid = ImageGrid.ComposeBitmap([], style: PixelStyle);
        Assert.Equal((16, 16), (grid.Width, grid.Height));
    }
}
