using Apc.Reporting;
using SkiaSharp;

namespace Apc.Tests.Reporting;

public class PlotsTests
{
    private static readonly PlotSeries[] Fidelity =
    [
        new("Grad-CAM", [1, 0.5, 0.25], [0.8, 0.75, 0.6]),
        new("LRP", [1, 0.5, 0.25], [0.7, 0.72, 0.5]),
    ];

    [Fact]
    public void PngHasTheRequestedSize()
    {
        var png = Plots.LinePlot("fidelity", "ratio", "pointing", Fidelity, new LinePlotOptions { Width = 640, Height = 400 });
        Assert.Equal((640, 400), PngHeader.Size(png));
        using var bitmap = SKBitmap.Decode(png);
        // Category10's first colour (#1F77B4) draws the first series somewhere in the picture.
        Assert.Contains(bitmap.Pixels, c => c.Red == 0x1F && c.Green == 0x77 && c.Blue == 0xB4);
    }

    [Fact]
    public void NonFiniteAndEmptySeriesDoNotBreakThePlot()
    {
        PlotSeries[] series =
        [
            new("with gaps", [0, 1, 2, double.NaN, 4], [1, double.PositiveInfinity, 3, 4, 5]),
            new("empty", [], []),
        ];
        var png = Plots.LinePlot("loss", "epoch", "loss", series, new LinePlotOptions { Width = 300, Height = 200, YMin = 0, YMax = 6 });
        Assert.Equal((300, 200), PngHeader.Size(png));
        var none = Plots.LinePlot("nothing", "x", "y", [], new LinePlotOptions { Width = 120, Height = 90 });
        Assert.Equal((120, 90), PngHeader.Size(none));
    }

    [Fact]
    public void BadInputIsAClearError()
    {
        Assert.Contains("'bad' has 2 x values but 1 y values",
            Assert.Throws<ArgumentException>(() => Plots.LinePlot("t", "x", "y", [new PlotSeries("bad", [1, 2], [1])])).Message);
        Assert.Contains("both YMin and YMax",
            Assert.Throws<ArgumentException>(() => Plots.LinePlot("t", "x", "y", Fidelity, new LinePlotOptions { YMin = 0 })).Message);
        Assert.Contains("YMin < YMax",
            Assert.Throws<ArgumentException>(() => Plots.LinePlot("t", "x", "y", Fidelity, new LinePlotOptions { YMin = 1, YMax = 1 })).Message);
        Assert.Contains("plot size",
            Assert.Throws<ArgumentException>(() => Plots.LinePlot("t", "x", "y", Fidelity, new LinePlotOptions { Width = 0 })).Message);
    }
}
