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

    [Fact]
    public void IntegerTicksAreWholeNumbersWithTheSmallestNiceStepThatFits()
    {
        Assert.Equal([1L, 2L], Plots.IntegerTicks([1, 2]));                      // two epochs: no 1.2, 1.4, ...
        Assert.Equal([0L, 1L, 2L, 3L], Plots.IntegerTicks([0.5, 2.5]));          // rounded outward
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), Plots.IntegerTicks([1, 12]));
        Assert.Equal([5L, 10L, 15L, 20L, 25L, 30L], Plots.IntegerTicks([1, 30]));  // 1 and 2 would give 30 and 15 ticks
        Assert.Equal([7L], Plots.IntegerTicks([7, double.NaN]));
        Assert.Empty(Plots.IntegerTicks([double.NaN]));

        long[] steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];
        var random = new Random(5);
        for (int trial = 0; trial < 200; trial++)
        {
            double a = random.Next(-50, 3000) + random.NextDouble(), b = a + random.Next(0, 5000) * random.NextDouble();
            int max = random.Next(2, 15);
            var ticks = Plots.IntegerTicks([a, b], max);
            Assert.InRange(ticks.Count, 1, max);
            Assert.All(ticks, t => Assert.InRange(t, (long)Math.Floor(a), (long)Math.Ceiling(b)));
            long step = ticks.Count > 1 ? ticks[1] - ticks[0] : 1;
            Assert.Contains(step, steps);
            Assert.All(ticks, t => Assert.Equal(0, t % step));
            Assert.All(ticks.Zip(ticks.Skip(1)), p => Assert.Equal(step, p.Second - p.First));
            // Minimal: the next smaller step would have needed more than max ticks.
            int k = Array.IndexOf(steps, step);
            if (ticks.Count > 1 && k > 0)
            {
                long smaller = steps[k - 1], low = (long)Math.Floor(a), high = (long)Math.Ceiling(b);
                long first = (long)Math.Ceiling((double)low / smaller) * smaller;
                Assert.True((high - first) / smaller + 1 > max, $"[{a}, {b}] max {max}: step {step}, {smaller} fits");
            }
        }
        var png = Plots.LinePlot("curves", "epoch", "mAP", [new PlotSeries("a", [1, 2], [0.5, 0.6])],
            new LinePlotOptions { Width = 300, Height = 200, IntegerX = true });
        Assert.Equal((300, 200), PngHeader.Size(png));
    }
}
