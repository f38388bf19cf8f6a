using System.Globalization;
using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Data;
using Apc.Models;
using Apc.Reporting;
using Apc.Util;

namespace Apc.Cli.Experiments;

/// <summary>report.html (one self-contained page: tables, heatmap grids, plots) and every picture as a PNG.</summary>
public static class ExperimentReport
{
    public static void Write(ExperimentResults results, string outDir, string command, PlanTime time)
    {
        var config = results.Config;
        var report = new HtmlReport(config.Name);
        foreach (var (file, png, caption) in ConsistencyChart.Build(results)) // the claim first: consistency with 95 % intervals
        {
            AtomicFile.WriteAllBytes(Path.Combine(outDir, file), png);
            report.Image(png, caption, file);
        }
        report.Paragraph($"Command: {command}. {time.Sentence} Seeds: {string.Join(", ", config.Seeds)} " +
            "(tables show mean ± sample standard deviation when there are several). Data: " + config.Data.Dataset + ". " + config.Evaluation.SplitSentence + " " +
            "Attribution metrics are measured over the (image, class) pairs each model predicts correctly; " +
            "cosine is the teacher–student consistency of the maps for the same pair (1 = same map).");
        foreach (var c in config.Compressions)
        {
            var (headers, rows) = results.Table(c.Name);
            report.Heading($"{c.Name} ({c.Method})");
            report.Table(headers, rows, caption: string.Join(' ', c.Options));
            var mine = results.Statistics.Differences.Where(d => d.Compression == c.Name && (d.Attribution is not null ? d.Metric == "cosine" : d.Metric == "map_per_class")).ToList();
            if (mine.Count > 0)
                report.Table(["comparison", "measure", "mean [95 % interval over pairs or seeds]", "over seeds", "n"],
                    mine.Select(d => new[]
                    {
                        d.Comparison, d.Attribution is null ? "mAP (pp)" : $"{d.Attribution} cosine",
                        ExperimentStatistics.Format(d.Estimate, percent: d.Attribution is null, signed: true),
                        d.Attribution is null ? "" : ExperimentStatistics.Format(d.OverSeeds, percent: false, signed: true),
                        d.Attribution is null ? $"{d.Estimate.N} seeds" : $"{d.Estimate.N} pairs",
                    }).ToList(),
                    caption: $"Paired differences, {c.Name} (matcher − baseline; the plan's comparisons name their baseline's compression): " +
                             "cosine over the (seed, image, class) pairs both models scored with a cluster bootstrap over images, and the Student-t " +
                             "interval of the per-seed means; mAP per seed with a Student-t interval. More metrics in results.md.");
        }
        if (results.DeployedTable() is var (deployedHeaders, deployedRows))
        {
            report.Heading("Deployed (ONNX Runtime)");
            report.Table(deployedHeaders, deployedRows, caption: results.DeployedCaption());
        }

        int seed = config.Seeds[0];
        var pictures = new List<(string File, byte[] Png, string Caption)>();
        pictures.AddRange(ComparisonFigure.Build(results, seed));
        pictures.AddRange(Galleries(results, seed));
        pictures.AddRange(FidelityPlots(results));
        if (TrainingCurves(results, seed) is { } curves) pictures.Add(curves);
        foreach (var (file, png, caption) in pictures)
        {
            AtomicFile.WriteAllBytes(Path.Combine(outDir, file), png);
            report.Heading(caption, 3);
            report.Image(png, caption, file);
        }
        report.RawJson("summary statistics (results.json)", results.ToJson(command, time)["summary"]);
        report.Save(Path.Combine(outDir, "report.html"));
    }

    /// <summary>Per compression method: rows = example × attribution method; columns = image, teacher, each matcher.</summary>
    static IEnumerable<(string, byte[], string)> Galleries(ExperimentResults results, int seed)
    {
        var config = results.Config;
        var teacherRun = results.Runs.FirstOrDefault(r => r.Run.Seed == seed && r.Run.Compression == "teacher");
        if (teacherRun is null || !File.Exists(teacherRun.Run.ModelPath)) yield break;
        var (split, examples) = Examples(config, seed, teacherRun.Run.ModelPath);
        if (examples.Count == 0) yield break;
        foreach (var c in config.Compressions)
        {
            var loaded = new List<ModelCheckpoint>();
            try
            {
                loaded.Add(Load(teacherRun.Run.ModelPath));
                var models = new List<(string, ClassifierNet?)> { ("teacher", loaded[0].Model) };
                foreach (var m in config.MatchersOf(c))
                {
                    // A missing run keeps its column, with "no map" panels, so columns mean the same in every grid.
                    var run = results.Runs.FirstOrDefault(r => r.Run.Seed == seed && r.Run.Compression == c.Name && r.Run.Matcher == m);
                    var checkpoint = run is null || !File.Exists(run.Run.ModelPath) ? null : Load(run.Run.ModelPath);
                    if (checkpoint is not null) loaded.Add(checkpoint);
                    models.Add((ExperimentResults.MatcherTitle(m).TrimStart('+', ' '), checkpoint?.Model));
                }
                var (grid, _) = AttributionGallery.Build(models, split, examples, config.Evaluation.Methods);
                yield return ($"heatmaps-{c.Name}.png", grid,
                    $"Heatmaps, {c.Name}: images of the {config.Evaluation.Split} split with the class mask outlined, the teacher's map, then each compressed variant (maximum marked; signed maps blue–white–red around zero, others viridis from zero; c, the value at full colour, is each map's 99.5th percentile)");
            }
            finally
            {
                foreach (var l in loaded) l.Dispose();
            }
        }
    }

    /// <summary>The split heatmaps are drawn on (the evaluated one: the plan's test split, else validation when it has
    /// masks) and the plan's example indices in it.</summary>
    /// <summary>The split the plan evaluates, opened as the stages open it: at the plan's image size, else the teacher's
    /// (every stage takes its image size from its model when the plan gives none), and the example indices it holds.</summary>
    internal static (IDataset Split, IReadOnlyList<int> Indices) Examples(ExperimentConfig config, int seed, string teacherPath)
    {
        var d = config.Data;
        var e = config.Evaluation;
        var data = DatasetFactory.Open(new DataOptions
        {
            Dataset = d.Dataset, DataRoot = d.DataRoot, TrainSize = d.TrainSize,
            ValSize = e.OnTestSplit ? d.ValSize : e.ValSize ?? d.ValSize, TestSize = e.OnTestSplit ? e.ValSize : null,
            ImageSize = d.ImageSize ?? ImageSizeOf(teacherPath), Seed = seed,
        });
        var split = e.OnTestSplit
            ? data.Test ?? throw new ApcException($"the plan evaluates on the test split, but data set '{d.Dataset}' has none.")
            : data.Val.HasMasks || data.Test is null ? data.Val : data.Test;
        return (split, config.Evaluation.Examples.Where(i => i < split.Count).ToList());
    }

    internal static ModelCheckpoint Load(string path) => Commands.ModelLoading.Load(path, "cpu", "--model");

    static int ImageSizeOf(string checkpoint)
    {
        using var model = Load(checkpoint);
        return model.Info.ImageSize;
    }

    /// <summary>Compression ratio of a run: teacher non-zero weights × 32 bits over the run's non-zero weights × its bits.</summary>
    static double Ratio(ExperimentResults.RunValues run, double teacherNonzero)
    {
        if (!run.Values.TryGetValue("nonzero_parameters", out var nonzero) || nonzero <= 0) return double.NaN;
        var (bits, countsZeros) = BitsPerWeight(run.Metrics?["compression"]);
        // unify's and kernel-quantize's bits are per weight of the whole tensor, their zero blocks' flags included.
        double weights = countsZeros && run.Values.TryGetValue("parameters", out var all) && all > 0 ? all : nonzero;
        return teacherNonzero * 32 / (weights * bits);
    }

    /// <summary>Bits per stored weight of a compressed network and whether they are counted over every weight, zeros
    /// included (unify, kernel-quantize) or over the non-zero ones (quantize): quantize's weight bits, unify's bits
    /// per conv weight, kernel-quantize's bits per conv parameter (a pipeline's last such stage); else 32 (float).
    /// Only these named per-weight facts count: other "bits" fields (e.g. unify's total bit count) are not per weight.</summary>
    public static (double Bits, bool CountsZeros) BitsPerWeight(JsonNode? compression)
    {
        if (compression is null) return (32, false);
        if (compression["stages"] is JsonArray stages)
            foreach (var stage in stages.Reverse())
                if (BitsPerWeight(stage?["compression"] ?? stage) is { Bits: < 32 } found) return found;
        string? method = compression["method"] is JsonValue m && m.TryGetValue<string>(out var name) ? name : null;
        string? key = method switch
        {
            "quantize" => "bits",
            "unify" => "bits_per_weight",
            "kernel-quantize" => "bits_per_conv_parameter",
            _ => null,
        };
        // As a number of any CLR type (a file's JSON reads as double; a node built in code may hold an int).
        return key is not null && compression[key] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number
               && double.TryParse(v.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var bits) && bits > 0
            ? (bits, method != "quantize") : (32, false);
    }

    /// <summary>Per attribution method: teacher–student cosine against compression ratio. Points of different
    /// compression methods are not joined (they sit at unrelated ratios, sometimes the same one): markers only.</summary>
    static IEnumerable<(string, byte[], string)> FidelityPlots(ExperimentResults results)
    {
        var config = results.Config;
        foreach (var method in config.Evaluation.Methods)
        {
            var series = FidelitySeries(results, method);
            if (series.Count == 0) continue;
            var (xMin, xMax, yMin, yMax) = FidelityLimits(series);
            var png = Plots.LinePlot($"{method}: attribution fidelity vs compression", "compression ratio (teacher bits / model bits)",
                "teacher–student cosine", series, new LinePlotOptions
                {
                    ConnectPoints = false, Width = 900, XMin = xMin, XMax = xMax, YMin = yMin, YMax = yMax,
                });
            yield return ($"fidelity-{method}.png", png, $"Attribution fidelity ({method}) against compression ratio: colour and size = matcher (smaller markers drawn inside larger ones where points coincide), shape = compression method ({string.Join(", ", config.Compressions.Select(c => c.Name))}); mean over seeds");
        }
    }

    /// <summary>The points of a fidelity plot: one series per (compression method, matcher) that has results, named
    /// "compression, matcher", its colour the matcher's and its marker the compression method's; x = mean
    /// compression ratio over seeds, y = mean teacher–student cosine of <paramref name="method"/>.</summary>
    public static IReadOnlyList<PlotSeries> FidelitySeries(ExperimentResults results, string method)
    {
        var config = results.Config;
        var series = new List<PlotSeries>();
        var allMatchers = config.AllMatchers.ToList();
        for (int ci = 0; ci < config.Compressions.Count; ci++)
        {
            var c = config.Compressions[ci];
            foreach (var m in config.MatchersOf(c))
            {
                int mi = allMatchers.IndexOf(m);
                var seeds = results.Runs.Where(r => r.Run.Compression == c.Name && r.Run.Matcher == m).ToList();
                var ratios = seeds.Select(r =>
                {
                    var teacher = results.Runs.FirstOrDefault(t => t.Run.Seed == r.Run.Seed && t.Run.Compression == "teacher");
                    return teacher is null ? double.NaN : Ratio(r, teacher.Values.GetValueOrDefault("nonzero_parameters", teacher.Values.GetValueOrDefault("parameters")));
                }).Where(double.IsFinite).ToList();
                var cosine = ExperimentResults.Aggregate(seeds, $"{method}.cosine");
                if (ratios.Count == 0 || cosine.N == 0) continue;
                series.Add(new PlotSeries($"{c.Name}, {ExperimentResults.MatcherTitle(m).TrimStart('+', ' ')}", [ratios.Average()], [cosine.Mean])
                {
                    Color = mi, Shape = ci, MarkerSize = MatcherMarkerSize(mi),
                });
            }
        }
        return series;
    }

    /// <summary>Axis ranges of a fidelity plot, so that it never magnifies differences of rounding: x from 0 (ratio 1
    /// is the teacher) to 10 % past the largest ratio; y spans at least 0.05 of cosine, centred on the points, and
    /// stops just above 1 (cosine's maximum), so two points 1e-5 apart look as close as they are.</summary>
    public static (double XMin, double XMax, double YMin, double YMax) FidelityLimits(IReadOnlyList<PlotSeries> series)
    {
        var xs = series.SelectMany(s => s.X).Where(double.IsFinite).DefaultIfEmpty(1).ToList();
        var ys = series.SelectMany(s => s.Y).Where(double.IsFinite).DefaultIfEmpty(1).ToList();
        double xMax = Math.Max(2, xs.Max() * 1.1);
        const double minSpan = 0.05;
        double low = ys.Min(), high = ys.Max(), pad = Math.Max(minSpan - (high - low), 0) / 2 + 0.1 * (high - low);
        double yMax = Math.Min(1.005, high + pad), yMin = Math.Min(low - pad, yMax - minSpan);
        return (0, xMax, yMin, yMax);
    }

    /// <summary>Marker size of the <paramref name="matcher"/>-th matcher in a fidelity plot: 18, 14, 10, then 6 pixels.
    /// The matchers of one compression method share its ratio and often nearly its cosine; each later (smaller)
    /// marker is drawn inside the earlier ones, so none hides another.</summary>
    public static float MatcherMarkerSize(int matcher) => Math.Max(6, 18 - 4 * matcher);

    /// <summary>Validation mAP per epoch of every run of the first seed that has a training history.</summary>
    static (string, byte[], string)? TrainingCurves(ExperimentResults results, int seed)
    {
        var series = new List<PlotSeries>();
        foreach (var run in results.Runs.Where(r => r.Run.Seed == seed))
        {
            if ((run.Metrics?["history"] ?? run.Metrics?["training"]?["history"]) is not JsonArray history || history.Count == 0) continue;
            var x = new List<double>();
            var y = new List<double>();
            foreach (var h in history)
            {
                if (h?["epoch"] is JsonValue e && h["map_per_class"] is JsonValue v && v.TryGetValue<double>(out var map))
                {
                    x.Add(e.GetValue<int>());
                    y.Add(map);
                }
            }
            if (x.Count == 0) continue;
            var name = run.Run.Compression == "teacher" ? "teacher" : $"{run.Run.Compression}, {ExperimentResults.MatcherTitle(run.Run.Matcher).TrimStart('+', ' ')}";
            series.Add(new PlotSeries(name, x.ToArray(), y.ToArray()));
        }
        if (series.Count == 0) return null;
        var png = Plots.LinePlot("Training curves", "epoch", "validation mAP (per class)", series,
            new LinePlotOptions { Width = 900, Height = 550, IntegerX = true });
        return ("training-curves.png", png, "Training curves: validation mAP per epoch (seed " + seed.ToString(CultureInfo.InvariantCulture) + ")");
    }
}
