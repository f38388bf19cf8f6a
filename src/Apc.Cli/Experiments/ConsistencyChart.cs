using System.Globalization;
using Apc.Reporting;

namespace Apc.Cli.Experiments;

/// <summary>The report's opening chart, one per attribution method: teacher–student cosine per compression method,
/// one point per matcher side by side, with 95 % confidence whiskers: the Student-t interval across seeds, or with a
/// single seed the cluster-bootstrap interval over images (the caption says which).</summary>
public static class ConsistencyChart
{
    public static IEnumerable<(string File, byte[] Png, string Caption)> Build(ExperimentResults results)
    {
        var config = results.Config;
        var stats = results.Statistics;
        var groups = config.Compressions.Select(c => c.Name).ToList();
        foreach (var method in config.Evaluation.Methods)
        {
            var cells = stats.Cells.Where(c => c.Metric == $"{method}.cosine" && c.Compression != "teacher").ToList();
            if (cells.Count == 0) continue;
            var (series, missing) = Series(results, cells);
            int seeds = cells.Max(c => c.Estimate.N);
            string whiskers = seeds > 1
                ? $"whiskers: 95 % Student-t confidence interval across {seeds.ToString(CultureInfo.InvariantCulture)} seeds, cut at the cosine's range [−1, 1]"
                : "one seed, so no interval across seeds: whiskers are 95 % cluster-bootstrap intervals over images (image-to-image spread only, not seed-to-seed)";
            var png = IntervalPlot.GroupedPoints($"{method}: teacher–student attribution consistency", "compression method",
                "teacher–student cosine (mean over pairs)",
                groups, series, new LinePlotOptions { Width = 900, Height = 480 });
            yield return ($"consistency-{method}.png", png,
                $"Teacher–student cosine of {method} maps per compression method and matcher (higher = the compressed model explains like the teacher); {whiskers}." +
                (missing.Count == 0 ? "" : $" No point for {string.Join(", ", missing)}: no (image, class) pair that both the model and the teacher predict correctly, so no cosine" +
                    (missing.Any(x => x.EndsWith("(not run)", StringComparison.Ordinal)) ? ", or no finished run" : "") + "."));
        }
    }

    /// <summary>The chart's series for one attribution method's cosine <paramref name="cells"/>, one per row title: a
    /// matcher, except that a compression's logit-KD control (no matcher, fine-tuned with --finetune-kd) is a series of
    /// its own, not "naive"; and the (compression, row) points that cannot be drawn.</summary>
    public static (List<IntervalSeries> Series, List<string> Missing) Series(ExperimentResults results, IReadOnlyList<ExperimentStatistics.Cell> cells)
    {
        var config = results.Config;
        var groups = config.Compressions.Select(c => c.Name).ToList();
        var series = new List<IntervalSeries>();
        var missing = new List<string>();
        var keys = config.AllMatchers.SelectMany(m => config.Compressions.Select(c => (Matcher: m, Title: ExperimentResults.MatcherTitle(m, c))))
            .Distinct().ToList();
        foreach (var (m, title) in keys)
        {
            var label = title.TrimStart('+', ' ');
            bool Shows(int g) => ExperimentResults.MatcherTitle(m, config.Compressions[g]) == title;
            var of = groups.Select((g, i) => Shows(i) ? cells.FirstOrDefault(c => c.Compression == g && c.Matcher == m) : null).ToList();
            for (int g = 0; g < groups.Count; g++)
                if (Shows(g) && config.MatchersOf(config.Compressions[g]).Contains(m) && (of[g] is null || !double.IsFinite(of[g]!.Estimate.Mean)))
                    missing.Add($"{groups[g]} {label}" +
                        (results.Runs.Any(r => r.Run.Compression == groups[g] && r.Run.Matcher == m) ? "" : " (not run)"));
            if (of.All(c => c is null)) continue;
            var shown = of.Select(c => c is null ? Evaluation.Statistics.Estimate.None
                : c.Estimate.HasInterval ? c.Estimate
                : c.Estimate with { Low = c.Images?.Low ?? double.NaN, High = c.Images?.High ?? double.NaN }).ToList();
            // A cosine lies in [−1, 1]; a t-interval over few seeds can reach past 1, which the chart does not draw.
            series.Add(new IntervalSeries(label,
                shown.Select(e => e.Mean).ToArray(), shown.Select(e => Math.Max(e.Low, -1)).ToArray(), shown.Select(e => Math.Min(e.High, 1)).ToArray()));
        }
        return (series, missing);
    }
}
