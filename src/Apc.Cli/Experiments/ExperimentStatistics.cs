using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Apc.Evaluation;
using Apc.Evaluation.Statistics;

namespace Apc.Cli.Experiments;

/// <summary>
/// The statistics of an experiment that can carry a claim (docs/experiments.md, "Statistics"):
/// <list type="bullet">
/// <item><b>Cells</b>: per (compression, matcher, metric) the mean over seeds of the per-seed values with a 95 %
/// Student-t interval on n − 1 degrees of freedom (<see cref="TInterval"/>); one seed gives no interval across
/// seeds, and then the attribution metrics also carry a cluster-bootstrap interval over images of that one run
/// (which says how well the images pin the mean down, not how it varies with the seed).</item>
/// <item><b>Paired differences</b> of a matcher against a baseline in the same compression (WCAM − naive,
/// WCAM − attention transfer, stochastic WCAM − naive): per attribution metric, over the (seed, image, class)
/// pairs both models scored, mean of the per-pair differences with a cluster-bootstrap interval resampling
/// images within each seed (<see cref="ClusterBootstrap"/>); for mAP and F1, the per-seed differences with a
/// t-interval over seeds.</item>
/// </list>
/// </summary>
public sealed class ExperimentStatistics
{
    public const string SeedInterval = "student-t over seeds";
    public const string NoInterval = "none (one seed)";

    /// <summary>One (compression, matcher, metric): <see cref="Estimate"/> over seeds; <see cref="Pairs"/> sums the scored
    /// pairs over seeds (attribution metrics); <see cref="Images"/> is the bootstrap interval over images when one seed.</summary>
    public sealed record Cell(string Compression, string Row, string Matcher, string Metric, Estimate Estimate, int? Pairs, Estimate? Images);

    public sealed record SeedDifference(int Seed, double Mean, int? Pairs);

    /// <summary>Matcher − Baseline, for one metric (Attribution null: a model-level metric): within one compression, or,
    /// for a plan's extra comparison, against a run of <see cref="BaselineCompression"/>.
    /// <see cref="OverSeeds"/>: the Student-t interval over the per-seed means, which, unlike the bootstrap over images,
    /// includes how the result varies from one training run to the next (no interval with one seed).</summary>
    public sealed record Difference(string Compression, string Comparison, string Matcher, string Baseline, string? Attribution, string Metric,
        Estimate Estimate, string Interval, int? Images, IReadOnlyList<SeedDifference> Seeds, string? BaselineCompression = null)
    {
        /// <summary>The baseline's compression: <see cref="BaselineCompression"/>, else the model's own.</summary>
        public string BaselineRun => BaselineCompression ?? Compression;

        public Estimate OverSeeds => TInterval.Of(Seeds.Select(s => s.Mean).Where(double.IsFinite));
    }

    public static readonly string[] ModelMetrics = ["map_per_class", "f1"];

    /// <summary>Per-seed cell metric: the model's pointing minus the teacher's on the pairs both predict
    /// (<see cref="ExperimentResults.PointingGap"/>).</summary>
    public const string PointingGap = "pointing_gap";

    public ExperimentStatistics(IReadOnlyList<Cell> cells, IReadOnlyList<Difference> differences, BootstrapOptions bootstrap)
    {
        Cells = cells;
        Differences = differences;
        Bootstrap = bootstrap;
    }

    public IReadOnlyList<Cell> Cells { get; }
    public IReadOnlyList<Difference> Differences { get; }
    public BootstrapOptions Bootstrap { get; }

    public string BootstrapInterval => BootstrapDescription(Bootstrap);

    static string BootstrapDescription(BootstrapOptions b) =>
        $"cluster bootstrap over images within seeds ({b.Resamples} resamples, seed {b.Seed}, percentile)";

    /// <summary>The comparisons an experiment's matchers allow: WCAM − naive, WCAM − AT, stochastic WCAM − naive.</summary>
    public static IEnumerable<(string Matcher, string Baseline)> Comparisons(IReadOnlyList<string> matchers)
    {
        foreach (var m in matchers.Where(m => m == "wcam" || m.StartsWith("wcam:drop=", StringComparison.Ordinal)))
        {
            if (matchers.Contains("none")) yield return (m, "none");
            if (m == "wcam" && matchers.Contains("at")) yield return (m, "at");
        }
    }

    public static string ShortTitle(string matcher) => ExperimentResults.MatcherName(matcher, shortName: true);

    public static ExperimentStatistics Compute(ExperimentResults results, BootstrapOptions? bootstrap = null)
    {
        bootstrap ??= new BootstrapOptions();
        var config = results.Config;
        var methods = config.Evaluation.Methods;
        // Pairs as Collect read them (consistency on the pairs the teacher also predicts); results built by hand read the file.
        var pairsCache = new Dictionary<ExperimentRun, IReadOnlyDictionary<string, PairRecords>?>();
        IReadOnlyDictionary<string, PairRecords>? PairsOf(ExperimentResults.RunValues run)
        {
            if (run.Pairs is not null) return run.Pairs;
            if (!pairsCache.TryGetValue(run.Run, out var pairs)) pairsCache[run.Run] = pairs = ExperimentResults.ReadPairs(run);
            return pairs;
        }

        var cells = new List<Cell>();
        var rows = new List<(string Compression, string Row, string Matcher, IReadOnlyList<ExperimentResults.RunValues> Seeds)>
        {
            ("teacher", "Teacher", "-", results.Runs.Where(r => r.Run.Compression == "teacher").ToList()),
        };
        foreach (var c in config.Compressions)
            rows.AddRange(results.Rows(c.Name).Skip(1).Select(r => (c.Name, r.Label, r.Matcher, r.Seeds)));
        foreach (var (compression, row, matcher, seeds) in rows)
        {
            foreach (var metric in ModelMetrics)
            {
                var estimate = TInterval.Of(seeds.Where(s => s.Values.ContainsKey(metric)).Select(s => s.Values[metric]));
                if (estimate.N > 0) cells.Add(new Cell(compression, row, matcher, metric, estimate, null, null));
            }
            foreach (var m in methods)
                foreach (var metric in PairRecords.MetricNames.Append(PointingGap))
                {
                    var key = $"{m}.{metric}";
                    var measured = seeds.Where(s => s.Values.TryGetValue(key, out var v) && double.IsFinite(v)).ToList();
                    var estimate = TInterval.Of(measured.Select(s => s.Values[key]));
                    if (estimate.N == 0) continue;
                    // Consistency counts the pairs compared (both models predict them); localisation every pair scored.
                    string pairsKey = metric switch
                    {
                        "cosine" or "spearman" or "topk_iou" when measured.All(s => s.Values.ContainsKey($"{m}.consistency_pairs")) => $"{m}.consistency_pairs",
                        PointingGap => $"{m}.pointing_gap_pairs",
                        _ => $"{m}.pairs",
                    };
                    int pairs = measured.Sum(s => (int)s.Values.GetValueOrDefault(pairsKey));
                    Estimate? images = null;
                    if (estimate.N == 1 && metric != PointingGap && PairsOf(measured[0])?.GetValueOrDefault(m) is { } records
                        && PairedDifference.Values(records, metric) is { } group)
                        images = ClusterBootstrap.Mean([group], bootstrap).Overall;
                    cells.Add(new Cell(compression, row, matcher, key, estimate, pairs, images));
                }
        }

        var differences = new List<Difference>();
        var wanted = config.Compressions.SelectMany(c => Comparisons(config.MatchersOf(c))
                .Select(p => (Compression: c.Name, p.Matcher, BaselineCompression: c.Name, p.Baseline, Title: $"{ShortTitle(p.Matcher)} − {ShortTitle(p.Baseline)}")))
            .Concat(config.Comparisons.Select(extra =>
            {
                var (compression, matcher) = ExperimentConfig.ComparisonSection.Split(extra.Model);
                var (baselineCompression, baseline) = ExperimentConfig.ComparisonSection.Split(extra.Baseline);
                var title = extra.Title ?? $"{ShortTitle(matcher)} − {(baselineCompression == compression ? "" : baselineCompression + " ")}{ShortTitle(baseline)}";
                return (compression, matcher, baselineCompression, baseline, title);
            }));
        foreach (var (compression, matcher, baselineCompression, baseline, comparison) in wanted)
            {
                string? otherCompression = baselineCompression == compression ? null : baselineCompression;
                var seedRuns = config.Seeds.Select(seed => (Seed: seed,
                        A: results.Runs.FirstOrDefault(r => r.Run.Seed == seed && r.Run.Compression == compression && r.Run.Matcher == matcher),
                        B: results.Runs.FirstOrDefault(r => r.Run.Seed == seed && r.Run.Compression == baselineCompression && r.Run.Matcher == baseline)))
                    .Where(s => s.A is not null && s.B is not null).ToList();
                foreach (var metric in ModelMetrics)
                {
                    var perSeed = seedRuns.Where(s => s.A!.Values.TryGetValue(metric, out var a) && double.IsFinite(a)
                                                      && s.B!.Values.TryGetValue(metric, out var b) && double.IsFinite(b))
                        .Select(s => new SeedDifference(s.Seed, s.A!.Values[metric] - s.B!.Values[metric], null)).ToList();
                    if (perSeed.Count == 0) continue;
                    var estimate = TInterval.Of(perSeed.Select(s => s.Mean));
                    differences.Add(new Difference(compression, comparison, matcher, baseline, null, metric, estimate,
                        estimate.HasInterval ? SeedInterval : NoInterval, null, perSeed, otherCompression));
                }
                foreach (var m in methods)
                    foreach (var metric in PairRecords.MetricNames)
                    {
                        var groups = new List<(int Seed, ClusterGroup Group)>();
                        foreach (var (seed, a, b) in seedRuns)
                            if (PairsOf(a!)?.GetValueOrDefault(m) is { } pa && PairsOf(b!)?.GetValueOrDefault(m) is { } pb
                                && PairedDifference.Match(pa, pb, metric) is { } group)
                                groups.Add((seed, group));
                        if (groups.Count == 0) continue;
                        var result = ClusterBootstrap.Mean(groups.Select(g => g.Group).ToList(), bootstrap);
                        var perSeed = groups.Select((g, i) => new SeedDifference(g.Seed, result.GroupMeans[i], result.GroupValues[i])).ToList();
                        differences.Add(new Difference(compression, comparison, matcher, baseline, m, metric, result.Overall,
                            result.Overall.HasInterval ? BootstrapDescription(bootstrap) : "none (fewer than two images)", result.Clusters, perSeed, otherCompression));
                    }
            }
        return new ExperimentStatistics(cells, differences, bootstrap);
    }

    static JsonNode? N(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;

    public JsonArray CellsJson()
    {
        var array = new JsonArray();
        foreach (var c in Cells)
        {
            var json = new JsonObject
            {
                ["compression"] = c.Compression, ["row"] = c.Row, ["matcher"] = c.Matcher, ["metric"] = c.Metric,
                ["mean"] = N(c.Estimate.Mean), ["ci_low"] = N(c.Estimate.Low), ["ci_high"] = N(c.Estimate.High), ["n"] = c.Estimate.N,
                ["interval"] = c.Estimate.HasInterval ? SeedInterval : NoInterval,
            };
            if (c.Pairs is { } pairs) json["pairs"] = pairs;
            if (c.Images is { } images)
            {
                json["images_ci_low"] = N(images.Low);
                json["images_ci_high"] = N(images.High);
                json["images_interval"] = BootstrapInterval;
            }
            array.Add(json);
        }
        return array;
    }

    public JsonArray DifferencesJson()
    {
        var array = new JsonArray();
        foreach (var d in Differences)
        {
            var json = new JsonObject
            {
                ["compression"] = d.Compression, ["comparison"] = d.Comparison, ["matcher"] = d.Matcher, ["baseline"] = d.Baseline,
            };
            if (d.BaselineCompression is { } other) json["baseline_compression"] = other;
            if (d.Attribution is not null) json["attribution"] = d.Attribution;
            json["metric"] = d.Metric;
            json["mean"] = N(d.Estimate.Mean);
            json["ci_low"] = N(d.Estimate.Low);
            json["ci_high"] = N(d.Estimate.High);
            json["n"] = d.Estimate.N;
            json["unit"] = d.Attribution is null ? "seeds" : "pairs";
            if (d.Images is { } images) json["images"] = images;
            json["interval"] = d.Interval;
            if (d.Attribution is not null)
            {
                var seeds = d.OverSeeds;
                json["seeds_ci_low"] = N(seeds.Low);
                json["seeds_ci_high"] = N(seeds.High);
                json["seeds_interval"] = seeds.HasInterval ? SeedInterval + " (of the per-seed means)" : NoInterval;
            }
            json["seeds"] = new JsonArray(d.Seeds.Select(s =>
            {
                var seed = new JsonObject { ["seed"] = s.Seed, ["mean"] = N(s.Mean) };
                if (s.Pairs is { } p) seed["pairs"] = p;
                return (JsonNode)seed;
            }).ToArray());
            array.Add(json);
        }
        return array;
    }

    /// <summary>"0.912 [0.901, 0.923]" (×100 with <paramref name="percent"/>); "0.912 (n=1)" without an interval.</summary>
    public static string Format(Estimate e, bool percent, bool signed = false)
    {
        if (e.N == 0 || !double.IsFinite(e.Mean)) return "n/a";
        double scale = percent ? 100 : 1;
        string digits = percent ? "0.0" : "0.000", format = signed ? $"+{digits};-{digits};{digits}" : digits;
        string F(double v) => (v * scale).ToString(format, CultureInfo.InvariantCulture);
        return e.HasInterval ? $"{F(e.Mean)} [{F(e.Low)}, {F(e.High)}]" : $"{F(e.Mean)} (n={e.N})";
    }

    /// <summary>A difference's per-seed means as a table cell: "+0.016, +0.015, n/a" (n/a: no pair in that seed).</summary>
    public static string PerSeed(Difference d) =>
        string.Join(", ", d.Seeds.Select(x => double.IsFinite(x.Mean) ? x.Mean.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture) : "n/a"));

    /// <summary>results.md sections for one compression method: means with 95 % intervals, then paired differences.</summary>
    public string Markdown(ExperimentConfig config, string compression)
    {
        var methods = config.Evaluation.Methods;
        var sb = new StringBuilder();
        var headers = new List<string> { "model", "seeds", "mAP %", "F1 %" };
        foreach (var m in methods) headers.AddRange([$"{m} cosine", $"{m} pointing %", $"{m} pointing gap (pp)", $"{m} AUC %"]);
        var rows = new List<string[]>();
        var rowKeys = new List<(string Compression, string Row)> { ("teacher", "Teacher") };
        var section = config.Compressions.FirstOrDefault(c => c.Name == compression);
        rowKeys.AddRange((section is null ? config.Matchers : config.MatchersOf(section)).Select(m => (compression, ExperimentResults.MatcherTitle(m, section))));
        foreach (var (comp, row) in rowKeys)
        {
            string Gap(string metric) =>
                Cells.FirstOrDefault(c => c.Compression == comp && c.Row == row && c.Metric == metric) is { } cell ? Format(cell.Estimate, true, signed: true) : "n/a";
            string Cell(string metric, bool percent) =>
                Cells.FirstOrDefault(c => c.Compression == comp && c.Row == row && c.Metric == metric) is { } cell ? Format(cell.Estimate, percent) : "n/a";
            var seeds = Cells.Where(c => c.Compression == comp && c.Row == row).Select(c => c.Estimate.N).DefaultIfEmpty(0).Max();
            var line = new List<string> { row, seeds.ToString(CultureInfo.InvariantCulture), Cell("map_per_class", true), Cell("f1", true) };
            foreach (var m in methods)
                line.AddRange([comp == "teacher" ? "1" : Cell($"{m}.cosine", false), Cell($"{m}.pointing", true),
                    comp == "teacher" ? "0" : Gap($"{m}.{PointingGap}"), Cell($"{m}.auc", true)]);
            rows.Add(line.ToArray());
        }
        sb.AppendLine("Mean over seeds [95 % Student-t confidence interval, n − 1 degrees of freedom]; (n=1): one seed, no interval. " +
                      "Cosine is compared on the pairs both the model and the teacher predict correctly; pointing gap = the model's pointing " +
                      "minus the teacher's on those same pairs, in percentage points (0 = localises as the teacher does).");
        sb.AppendLine();
        sb.Append(Apc.Reporting.MarkdownTable.Render(headers, rows));

        var mine = Differences.Where(d => d.Compression == compression).ToList();
        if (mine.Count == 0) return sb.ToString();
        sb.AppendLine();
        sb.AppendLine("Paired differences (matcher − baseline: same compression unless the comparison names the baseline's). Attribution metrics: mean over the (seed, image, class) pairs " +
                      $"both models scored, 95 % {BootstrapInterval}; pointing and AUC in percentage points. mAP and F1: per-seed differences " +
                      "in percentage points, 95 % Student-t interval over seeds. Per-seed means are in results.json.");
        sb.AppendLine();
        var comparisons = mine.Select(d => d.Comparison).Distinct().ToList();
        var modelRows = comparisons.Select(cmp =>
        {
            string Diff(string metric) => mine.FirstOrDefault(d => d.Comparison == cmp && d.Attribution is null && d.Metric == metric) is { } d
                ? Format(d.Estimate, true, signed: true) : "n/a";
            return new[] { cmp, Diff("map_per_class"), Diff("f1") };
        }).ToList();
        sb.Append(Apc.Reporting.MarkdownTable.Render(["comparison", "mAP (pp)", "F1 (pp)"], modelRows));
        sb.AppendLine();
        var attributionRows = new List<string[]>();
        foreach (var m in methods)
            foreach (var cmp in comparisons)
            {
                var of = mine.Where(d => d.Comparison == cmp && d.Attribution == m).ToList();
                if (of.Count == 0) continue;
                string Diff(string metric, bool percent) => of.FirstOrDefault(d => d.Metric == metric) is { } d ? Format(d.Estimate, percent, signed: true) : "n/a";
                var cosine = of.FirstOrDefault(d => d.Metric == "cosine");
                string perSeed = cosine is null ? "n/a" : PerSeed(cosine);
                attributionRows.Add([m, cmp, Diff("cosine", false), cosine is null ? "n/a" : Format(cosine.OverSeeds, false, signed: true), perSeed,
                    Diff("spearman", false), Diff("topk_iou", false), Diff("pointing", true), Diff("auc", true),
                    cosine is null ? "n/a" : cosine.Images is { } images ? $"{cosine.Estimate.N} ({Apc.Util.Plural.Of(images, "image")})" : $"{cosine.Estimate.N}"]);
            }
        sb.AppendLine("The cosine interval in brackets resamples images within seeds (the trained models held fixed); \"cosine over seeds\" is " +
                      "the Student-t interval of the per-seed means, which includes training-run variation.");
        sb.AppendLine();
        sb.Append(Apc.Reporting.MarkdownTable.Render(["attribution", "comparison", "cosine", "cosine over seeds", "cosine per seed", "Spearman", "top-k IoU",
            "pointing (pp)", "AUC (pp)", "pairs"], attributionRows));
        return sb.ToString();
    }
}
