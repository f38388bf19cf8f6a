using System.Globalization;
using Apc.Reporting;

namespace Apc.Cli.Experiments;

/// <summary>The report's opening chart, one per attribution method: teacher–student cosine per compression method,
/// one point per matcher side by side, with 95 % confidence whiskers: the Student-t interval across seeds, or with a
/// single seed the cluster-bootstrap interval over images (the caption says which).</summary>
public static class ConsistencyChart
{
    public static IEnumerable<(string File, byte[] Png, string Caption)> Build(ExperimentResults results) =>
        Build(results.Config, results.Statistics.Cells, Ran(results));

    /// <summary>Whether the experiment holds a finished run of (compression, matcher).</summary>
    static Func<string, string, bool> Ran(ExperimentResults results) =>
        (compression, matcher) => results.Runs.Any(r => r.Run.Compression == compression && r.Run.Matcher == matcher);

    /// <summary>The charts of <see cref="Build(ExperimentResults)"/> from the statistics <paramref name="cells"/> of a plan
    /// <paramref name="config"/> (also a combination of several plans, <see cref="CombinedStudy"/>); <paramref name="ran"/>
    /// tells whether a (compression, matcher) run finished, for the caption's "not run".</summary>
    public static IEnumerable<(string File, byte[] Png, string Caption)> Build(ExperimentConfig config, IReadOnlyList<ExperimentStatistics.Cell> cells,
        Func<string, string, bool> ran)
    {
        var groupOf = Groups(config);
        var groups = config.Compressions.Select(c => groupOf[c.Name]).Distinct().ToList();
        foreach (var method in config.Evaluation.Methods)
        {
            var cosine = cells.Where(c => c.Metric == $"{method}.cosine" && c.Compression != "teacher").ToList();
            if (cosine.Count == 0) continue;
            var (series, missing) = Series(config, cosine, ran);
            int seeds = cosine.Max(c => c.Estimate.N);
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

    /// <summary>The chart's x positions: one per compression, except that a logit-KD control (matchers none only,
    /// fine-tuned with --finetune-kd above 0) whose other settings equal another compression's stands in that compression's
    /// group, beside the matchers it is a control for. Maps each compression's name to its group's.</summary>
    public static Dictionary<string, string> Groups(ExperimentConfig config)
    {
        var group = new Dictionary<string, string>();
        foreach (var c in config.Compressions)
        {
            var host = IsControl(config, c)
                ? config.Compressions.FirstOrDefault(b => !IsControl(config, b) && b.Method == c.Method && b.Options.SequenceEqual(WithoutLogitKd(c.Options)))
                : null;
            group[c.Name] = host?.Name ?? c.Name;
        }
        return group;
    }

    static bool IsControl(ExperimentConfig config, ExperimentConfig.CompressionSection c) =>
        config.MatchersOf(c) is ["none"] && ExperimentResults.MatcherTitle("none", c) != ExperimentResults.MatcherTitle("none");

    static List<string> WithoutLogitKd(IReadOnlyList<string> options)
    {
        var list = options.ToList();
        int at = list.IndexOf("--finetune-kd");
        if (at >= 0) list.RemoveRange(at, Math.Min(2, list.Count - at));
        return list;
    }

    /// <summary>The chart's series for one attribution method's cosine <paramref name="cells"/>, one per row title: a
    /// matcher, except that a compression's logit-KD control (no matcher, fine-tuned with --finetune-kd) is a series of
    /// its own, not "naive", drawn in the group of the compression it controls (<see cref="Groups"/>); and the
    /// (compression, row) points that cannot be drawn.</summary>
    public static (List<IntervalSeries> Series, List<string> Missing) Series(ExperimentResults results, IReadOnlyList<ExperimentStatistics.Cell> cells) =>
        Series(results.Config, cells, Ran(results));

    static (List<IntervalSeries> Series, List<string> Missing) Series(ExperimentConfig config, IReadOnlyList<ExperimentStatistics.Cell> cells,
        Func<string, string, bool> ran)
    {
        var groupOf = Groups(config);
        var groups = config.Compressions.Select(c => groupOf[c.Name]).Distinct().ToList();
        var series = new List<IntervalSeries>();
        var missing = new List<string>();
        var keys = config.AllMatchers.SelectMany(m => config.Compressions.Select(c => (Matcher: m, Title: ExperimentResults.MatcherTitle(m, c))))
            .Distinct().ToList();
        var styles = Styles(keys);
        foreach (var (m, title) in keys)
        {
            var label = title.TrimStart('+', ' ');
            // The compressions that draw this series: those that run the matcher under this title.
            var drawing = config.Compressions.Where(c => config.MatchersOf(c).Contains(m) && ExperimentResults.MatcherTitle(m, c) == title).ToList();
            foreach (var c in drawing)
                if (cells.FirstOrDefault(x => x.Compression == c.Name && x.Matcher == m) is not { } cell || !double.IsFinite(cell.Estimate.Mean))
                    missing.Add($"{c.Name} {label}" + (ran(c.Name, m) ? "" : " (not run)"));
            var of = groups.Select(g => drawing.Where(c => groupOf[c.Name] == g)
                .Select(c => cells.FirstOrDefault(x => x.Compression == c.Name && x.Matcher == m)).FirstOrDefault(x => x is not null)).ToList();
            if (of.All(c => c is null)) continue;
            var shown = of.Select(c => c is null ? Evaluation.Statistics.Estimate.None
                : c.Estimate.HasInterval ? c.Estimate
                : c.Estimate with { Low = c.Images?.Low ?? double.NaN, High = c.Images?.High ?? double.NaN }).ToList();
            // A cosine lies in [−1, 1]; a t-interval over few seeds can reach past 1, which the chart does not draw.
            series.Add(new IntervalSeries(label,
                shown.Select(e => e.Mean).ToArray(), shown.Select(e => Math.Max(e.Low, -1)).ToArray(), shown.Select(e => Math.Min(e.High, 1)).ToArray(),
                styles[(m, title)].Style, styles[(m, title)].Shape));
        }
        return (series, missing);
    }

    /// <summary>The study's usual rows, each with the colour and marker it has in every chart: naive, WCAM, attention
    /// transfer, stochastic WCAM, the logit-KD control (by kind; options such as β or p do not change it).</summary>
    static readonly string[] UsualKinds = ["naive", "wcam", "at", "stochastic wcam", "logit kd"];

    /// <summary>Each series' colour (<see cref="IntervalSeries.Style"/>) and marker (<see cref="IntervalSeries.Shape"/>;
    /// null: the colour's own). The first series of each usual kind keeps that kind's slot, so a study's naive, WCAM, AT,
    /// stochastic WCAM and logit-KD points look the same in every chart whatever else the chart holds. A variant of a
    /// kind (another β, p, layer or classes: "AT (β 16)", "WCAM (β 3)") takes its kind's colour and a marker of its own,
    /// chosen from its title alone (<see cref="TitleHash"/>), so the same variant looks the same in every chart; only
    /// when two variants of one kind in a chart would share a marker does the later take the next free one. Rows of no
    /// known kind (a matcher registered by user code) take the free slots after the usual ones, in the chart's order.</summary>
    static Dictionary<(string Matcher, string Title), (int Style, int? Shape)> Styles(IReadOnlyList<(string Matcher, string Title)> keys)
    {
        var styles = new Dictionary<(string, string), (int, int?)>();
        var taken = new HashSet<int>();
        foreach (var key in keys)
        {
            int slot = Array.IndexOf(UsualKinds, Kind(key.Matcher, key.Title));
            if (slot >= 0 && taken.Add(slot)) styles[key] = (slot, null);
        }
        // (colour, marker) pairs in use: a usual kind's slot s draws colour s with marker s.
        var used = styles.Values.Select(v => (v.Item1, v.Item2 ?? v.Item1 % Plots.ShapeCount)).ToHashSet();
        int next = UsualKinds.Length;
        foreach (var key in keys.Where(k => !styles.ContainsKey(k)))
        {
            int family = Array.IndexOf(UsualKinds, Family(key.Matcher, key.Title));
            if (family < 0)
            {
                styles[key] = (next++, null);
                continue;
            }
            // The markers other than the kind's own, starting at the title's; the first one free in this chart.
            var others = Enumerable.Range(0, Plots.ShapeCount).Where(x => x != family % Plots.ShapeCount).ToArray();
            int start = (int)(TitleHash(key.Title) % (uint)others.Length);
            var shape = Enumerable.Range(0, others.Length).Select(i => others[(start + i) % others.Length])
                .Cast<int?>().FirstOrDefault(x => !used.Contains((family, x!.Value)));
            if (shape is null) { styles[key] = (next++, null); continue; } // more variants of one kind than markers
            used.Add((family, shape.Value));
            styles[key] = (family, shape);
        }
        return styles;
    }

    /// <summary>A hash of a row title that is the same in every process (FNV-1a over its UTF-16 code units;
    /// <see cref="string.GetHashCode()"/> changes from run to run).</summary>
    static uint TitleHash(string title)
    {
        uint hash = 2166136261;
        foreach (char c in title) hash = (hash ^ c) * 16777619;
        return hash;
    }

    /// <summary>The usual kind a variant belongs to: stochastic WCAM for a WCAM with a drop rate, else its matcher's
    /// name (wcam, at); "" for a matcher of no usual kind.</summary>
    static string Family(string matcher, string title)
    {
        if (Kind(matcher, title) is { Length: > 0 } kind) return kind;
        var parts = matcher.Split(':', StringSplitOptions.TrimEntries);
        if (parts[0] == "wcam" && parts.Skip(1).Any(p => p.StartsWith("drop=", StringComparison.Ordinal))) return "stochastic wcam";
        return Array.IndexOf(UsualKinds, parts[0]) >= 0 ? parts[0] : "";
    }

    /// <summary>The usual kind of a row (an entry of <see cref="UsualKinds"/>), or "" for a variant (a β, layers or
    /// classes of its own).</summary>
    static string Kind(string matcher, string title)
    {
        if (matcher == "none") return title == ExperimentResults.MatcherTitle("none") ? "naive" : "logit kd";
        var parts = matcher.Split(':', StringSplitOptions.TrimEntries);
        if (parts.Length == 1) return parts[0];
        if (parts[0] == "wcam" && parts.Skip(1).All(p => p.StartsWith("drop=", StringComparison.Ordinal))) return "stochastic wcam";
        return "";
    }
}
