using Apc.Cli.Experiments;
using Apc.Reporting;

namespace Apc.Tests.Reporting;

public class FidelityPlotTests
{
    private static ExperimentResults.RunValues Run(string compression, string matcher, double nonzero, double cosine) =>
        new(new ExperimentRun(0, compression, compression, matcher, "", "", ""),
            new Dictionary<string, double> { ["nonzero_parameters"] = nonzero, ["gradcam.cosine"] = cosine }, null, null);

    [Fact]
    public void OneSeriesPerCompressionMethodAndMatcherSoNoLineJoinsMethods()
    {
        var config = new ExperimentConfig
        {
            Compressions = [new() { Method = "kd" }, new() { Method = "structured" }],
            Matchers = ["none", "wcam"],
            Evaluation = new() { Methods = ["gradcam"] },
        };
        // kd and structured end at the same ratio (10): a series per matcher would draw a vertical line there.
        var results = new ExperimentResults(config,
        [
            Run("teacher", "none", 1000, 1),
            Run("kd", "none", 100, 0.5), Run("kd", "wcam", 100, 0.9),
            Run("structured", "none", 100, 0.6), Run("structured", "wcam", 100, 0.8),
        ]);

        var series = ExperimentReport.FidelitySeries(results, "gradcam");
        Assert.Equal(["kd, naive", "kd, WCAM", "structured, naive", "structured, WCAM"], series.Select(s => s.Name));
        Assert.All(series, s => Assert.Equal([10.0], s.X));
        Assert.Equal([0.5, 0.9, 0.6, 0.8], series.Select(s => s.Y[0]));
        // Colour says the matcher, marker shape the compression method.
        Assert.Equal([0, 1, 0, 1], series.Select(s => s.Color ?? -1));
        Assert.Equal([0, 0, 1, 1], series.Select(s => s.Shape ?? -1));
        // Series are drawn in order, so within a compression method each later matcher's marker, drawn on top of
        // the earlier ones at the same ratio, is smaller and leaves them visible around it.
        foreach (var method in series.GroupBy(s => s.Shape))
        {
            var sizes = method.Select(s => s.MarkerSize ?? 0).ToList();
            Assert.All(sizes.Zip(sizes.Skip(1)), p => Assert.True(p.Second < p.First, $"{p.First} then {p.Second}"));
        }
        Assert.True(ExperimentReport.MatcherMarkerSize(10) > 0);

        var png = Plots.LinePlot("f", "ratio", "cosine", series, new LinePlotOptions { ConnectPoints = false, Width = 300, Height = 200 });
        Assert.Equal((300, 200), PngHeader.Size(png));
    }

    [Fact]
    public void AxesNeverMagnifyDifferencesOfRounding()
    {
        var close = new[] { new PlotSeries("a", [2.05], [0.96501]), new PlotSeries("b", [2.05001], [0.96502]) };
        var (xMin, xMax, yMin, yMax) = ExperimentReport.FidelityLimits(close);
        Assert.Equal(0, xMin);
        Assert.True(xMax >= 2.05001 * 1.1);
        Assert.True(yMax - yMin >= 0.05 - 1e-12, $"y span {yMax - yMin}");
        Assert.True(yMin < 0.96501 && 0.96502 < yMax);
        Assert.True(yMax <= 1.005);

        // Far-apart points keep their own range (padded by 10 %), never cut.
        var far = new[] { new PlotSeries("a", [30], [0.2]), new PlotSeries("b", [1.5], [0.99]) };
        (xMin, xMax, yMin, yMax) = ExperimentReport.FidelityLimits(far);
        Assert.True(xMax >= 33 && yMin < 0.2 && yMax > 0.99 && yMax <= 1.005);
    }

    [Fact]
    public void TheConsistencyChartSaysWhichPointsItCannotDraw()
    {
        var config = new ExperimentConfig
        {
            Compressions = [new() { Method = "kd" }, new() { Method = "structured" }],
            Matchers = ["none", "wcam"],
            Evaluation = new() { Methods = ["gradcam"] },
        };
        // kd without matching predicts nothing the teacher also predicts: its run has no cosine.
        var results = new ExperimentResults(config,
        [
            Run("teacher", "none", 1000, 1),
            new(new ExperimentRun(0, "kd", "kd", "none", "", "", ""), new Dictionary<string, double> { ["nonzero_parameters"] = 100 }, null, null),
            Run("kd", "wcam", 100, 0.9),
            Run("structured", "none", 100, 0.6), Run("structured", "wcam", 100, 0.8),
        ]);
        var (file, png, caption) = Assert.Single(ConsistencyChart.Build(results));
        Assert.Equal("consistency-gradcam.png", file);
        Assert.True(png.Length > 0);
        Assert.Contains("No point for kd naive:", caption);
        Assert.DoesNotContain("structured naive", caption);
        Assert.DoesNotContain("not run", caption);
    }

    [Fact]
    public void CompressionRatiosUseEachMethodsBitsPerWeight()
    {
        System.Text.Json.Nodes.JsonNode Json(string text) => System.Text.Json.Nodes.JsonNode.Parse(text)!;
        Assert.Equal((4.0, false), ExperimentReport.BitsPerWeight(Json("""{"method":"quantize","bits":4,"activation_bits":8}""")));
        // unify also reports its total bit count as "bits"; only the per-weight figure is a bit width.
        Assert.Equal((4.75, true), ExperimentReport.BitsPerWeight(Json("""{"method":"unify","bits":4367526,"bits_per_weight":4.75}""")));
        Assert.Equal((0.457, true), ExperimentReport.BitsPerWeight(Json("""{"method":"kernel-quantize","index_bits":4,"codebook_bits":6,"bits_per_conv_parameter":0.457}""")));
        Assert.Equal((32.0, false), ExperimentReport.BitsPerWeight(Json("""{"method":"structured","layers":[{"bits":3}]}""")));
        Assert.Equal((32.0, false), ExperimentReport.BitsPerWeight(null));
        Assert.Equal((4.0, false), ExperimentReport.BitsPerWeight(Json(
            """{"method":"pipeline","stages":[{"method":"structured","compression":{"method":"structured"}},{"method":"quantize","compression":{"method":"quantize","bits":4}}]}""")));

        // Ratio = teacher bits / model bits: unify at 4.75 bits over all its weights (half of them in zero blocks) is 32/4.75.
        var config = new ExperimentConfig { Compressions = [new() { Method = "unify" }], Matchers = ["none"], Evaluation = new() { Methods = ["gradcam"] } };
        var unify = new ExperimentResults.RunValues(new ExperimentRun(0, "unify", "unify", "none", "", "", ""),
            new Dictionary<string, double> { ["parameters"] = 1000, ["nonzero_parameters"] = 500, ["gradcam.cosine"] = 0.9 },
            Json("""{"compression":{"method":"unify","bits":4750,"bits_per_weight":4.75}}""").AsObject(), null);
        var results = new ExperimentResults(config, [Run("teacher", "none", 1000, 1), unify]);
        var point = Assert.Single(ExperimentReport.FidelitySeries(results, "gradcam"));
        Assert.Equal(32 / 4.75, point.X[0], 9);
    }
}
