using Apc.Reporting;
using SkiaSharp;

namespace Apc.Tests.Reporting;

public class IntervalPlotTests
{
    static readonly string[] Groups = ["kd", "structured", "unstructured", "quantize"];

    static IntervalSeries[] Series() =>
    [
        new("naive", [0.71, 0.80, 0.62, 0.90], [0.66, 0.77, 0.55, 0.88], [0.76, 0.83, 0.69, 0.92]),
        new("attention transfer", [0.74, 0.82, 0.66, 0.91], [0.70, 0.79, 0.60, 0.89], [0.78, 0.85, 0.72, 0.93]),
        new("WCAM", [0.83, 0.88, 0.75, 0.94], [0.80, 0.86, 0.70, 0.93], [0.86, 0.90, 0.80, 0.95]),
        new("stochastic WCAM (p=0.3)", [0.81, double.NaN, 0.73, 0.93], [double.NaN, double.NaN, 0.68, 0.92], [double.NaN, double.NaN, 0.78, 0.94]),
    ];

    [Fact]
    public void DrawsEverySeriesAtTheRequestedSize()
    {
        var png = IntervalPlot.GroupedPoints("gradcam: teacher–student attribution consistency", "compression method", "teacher–student cosine", Groups, Series(),
            new LinePlotOptions { Width = 900, Height = 480 });
        Assert.Equal((900, 480), PngHeader.Size(png));
        var folder = Environment.GetEnvironmentVariable("APC_TEST_PICTURES");
        if (folder is not null) File.WriteAllBytes(Path.Combine(folder, "interval-plot.png"), png);
        using var bitmap = SKBitmap.Decode(png);
        // Category10's first four colours, one per series.
        foreach (var (r, g, b) in new[] { (0x1F, 0x77, 0xB4), (0xFF, 0x7F, 0x0E), (0x2C, 0xA0, 0x2C), (0xD6, 0x27, 0x28) })
            Assert.Contains(bitmap.Pixels, c => c.Red == r && c.Green == g && c.Blue == b);
    }

    [Fact]
    public void AStyleChoosesTheColourWhateverTheSeriesPosition()
    {
        // One series styled as slot 3 (Category10's red): drawn in red although it is the chart's only series, and no
        // series is drawn in slot 0's blue.
        var one = Series()[2] with { Style = 3 };
        using var bitmap = SKBitmap.Decode(IntervalPlot.GroupedPoints("t", "x", "y", Groups, [one]));
        Assert.Contains(bitmap.Pixels, c => (c.Red, c.Green, c.Blue) == (0xD6, 0x27, 0x28));
        Assert.DoesNotContain(bitmap.Pixels, c => (c.Red, c.Green, c.Blue) == (0x1F, 0x77, 0xB4));
        Assert.Contains("style -1", Assert.Throws<ArgumentException>(() => IntervalPlot.GroupedPoints("t", "x", "y", Groups, [one with { Style = -1 }])).Message);
    }

    [Fact]
    public void SeriesOfTheWrongLengthIsAClearError()
    {
        var bad = new IntervalSeries("bad", [0.5], [0.4], [0.6]);
        Assert.Contains("'bad' needs 4 means", Assert.Throws<ArgumentException>(() => IntervalPlot.GroupedPoints("t", "x", "y", Groups, [bad])).Message);
        Assert.Equal((120, 90), PngHeader.Size(IntervalPlot.GroupedPoints("empty", "x", "y", [], [], new LinePlotOptions { Width = 120, Height = 90 })));
    }
}
