using System.Text.Json.Nodes;
using Apc.Cli.Experiments;
using Apc.Evaluation;

namespace Apc.Tests.Cli;

public class ExperimentStatisticsTests
{
    internal static ExperimentResults.RunValues Run(TempFolder dir, int seed, string matcher, double map, PairRecords pairs, string compression = "kd")
    {
        var folder = dir.File($"seed-{seed}-{compression}-{matcher}");
        Directory.CreateDirectory(folder);
        var evaluation = Path.Combine(folder, "evaluation.json");
        File.WriteAllText(Path.Combine(folder, "pairs.json"), new JsonObject
        {
            ["format"] = PairsFile.Format, ["methods"] = new JsonObject { ["gradcam"] = PairsFile.ToJson(pairs) },
        }.ToJsonString());
        var values = new Dictionary<string, double> { ["map_per_class"] = map, ["gradcam.cosine"] = pairs.Cosine!.Average(), ["gradcam.pairs"] = pairs.Count };
        return new ExperimentResults.RunValues(new ExperimentRun(seed, compression, "kd", matcher, folder, Path.Combine(folder, "model.ckpt"), evaluation),
            values, null, new JsonObject { ["pairs_file"] = "pairs.json" });
    }

    internal static PairRecords Pairs(int[] images, int[] classes, double[] cosine) =>
        new(images, classes, images.Select(_ => true).ToArray(), images.Select(_ => 0.5).ToArray(), cosine, cosine, cosine);

    [Fact]
    public void PairedDifferencesAndIntervalsMatchAHandComputation()
    {
        using var dir = new TempFolder();
        var config = new ExperimentConfig
        {
            Compressions = [new ExperimentConfig.CompressionSection { Method = "kd" }],
            Matchers = ["none", "wcam"],
            Evaluation = new ExperimentConfig.EvaluationSection { Methods = ["gradcam"] },
            Seeds = [0, 1],
        };
        // Seed 0 shares pairs (0,1) and (1,3): cosine differences 0.9 − 0.6 = 0.3 and 0.7 − 0.5 = 0.2; (0,2) and (2,0)
        // were scored by one model only. Seed 1 shares (0,1): 0.9 − 0.8 = 0.1. Mean over the 3 pairs: 0.2.
        var runs = new[]
        {
            Run(dir, 0, "wcam", 0.8, Pairs([0, 0, 1], [1, 2, 3], [0.9, 0.8, 0.7])),
            Run(dir, 0, "none", 0.7, Pairs([0, 1, 2], [1, 3, 0], [0.6, 0.5, 0.4])),
            Run(dir, 1, "wcam", 0.9, Pairs([0], [1], [0.9])),
            Run(dir, 1, "none", 0.6, Pairs([0], [1], [0.8])),
        };
        var stats = ExperimentStatistics.Compute(new ExperimentResults(config, runs));

        var cosine = stats.Differences.Single(d => d.Attribution == "gradcam" && d.Metric == "cosine");
        Assert.Equal("WCAM − naive", cosine.Comparison);
        Assert.Equal(0.2, cosine.Estimate.Mean, 12);
        Assert.Equal((3, 3), (cosine.Estimate.N, cosine.Images));
        Assert.Equal([0, 1], cosine.Seeds.Select(s => s.Seed));
        Assert.Equal(0.25, cosine.Seeds[0].Mean, 12);
        Assert.Equal(0.1, cosine.Seeds[1].Mean, 12);
        Assert.Equal([2, 1], cosine.Seeds.Select(s => s.Pairs!.Value));
        Assert.InRange(0.2, cosine.Estimate.Low, cosine.Estimate.High);
        // Over seeds: the per-seed means 0.25 and 0.1; mean 0.175, s = 0.15/√2, s/√2 = 0.075, t_{0.975,1} = 12.706205.
        Assert.Equal(0.175, cosine.OverSeeds.Mean, 12);
        Assert.Equal(0.175 - 12.706205 * 0.075, cosine.OverSeeds.Low, 5);
        Assert.Equal(0.175 + 12.706205 * 0.075, cosine.OverSeeds.High, 5);

        // mAP: per-seed differences 0.1 and 0.3; mean 0.2, s/√2 = 0.1, t_{0.975,1} = 12.706205.
        var map = stats.Differences.Single(d => d.Attribution is null && d.Metric == "map_per_class");
        Assert.Equal(0.2, map.Estimate.Mean, 12);
        Assert.Equal(0.2 - 1.2706205, map.Estimate.Low, 6);
        Assert.Equal(0.2 + 1.2706205, map.Estimate.High, 6);

        // Per model: mean over seeds with a t-interval; scored pairs summed over seeds.
        var cell = stats.Cells.Single(c => c.Matcher == "wcam" && c.Metric == "gradcam.cosine");
        Assert.Equal((0.85, 2, 4), (Math.Round(cell.Estimate.Mean, 12), cell.Estimate.N, cell.Pairs!.Value));
        Assert.True(cell.Estimate.HasInterval);
        Assert.Null(cell.Images); // two seeds: the interval is across seeds

        var markdown = stats.Markdown(config, "kd");
        var rows = markdown.Split('\n').Select(line => string.Join(' ', line.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();
        Assert.Contains(rows, r => r.StartsWith("| gradcam | WCAM − naive | +0.200 [", StringComparison.Ordinal) && r.EndsWith("| 3 (3 images) |", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.StartsWith("| WCAM − naive | +20.0 [", StringComparison.Ordinal)); // mAP in percentage points
    }

    [Fact]
    public void APlansOwnComparisonPairsRunsOfTwoCompressionsOverTheImagesBothScored()
    {
        using var dir = new TempFolder();
        // A control compressed another way (e.g. logit distillation without matching) runs with "none" only, and the
        // plan compares WCAM with it.
        var config = new ExperimentConfig
        {
            Compressions =
            [
                new ExperimentConfig.CompressionSection { Method = "kd" },
                new ExperimentConfig.CompressionSection { Method = "kd", Label = "kd-control", Matchers = ["none"] },
            ],
            Matchers = ["none", "wcam"],
            Comparisons = [new ExperimentConfig.ComparisonSection { Model = "kd/wcam", Baseline = "kd-control/none", Title = "WCAM − control" }],
            Evaluation = new ExperimentConfig.EvaluationSection { Methods = ["gradcam"] },
            Seeds = [0, 1],
        };
        // Seed 0: WCAM and the control share (0,1) and (1,3): 0.9 − 0.4 = 0.5 and 0.7 − 0.6 = 0.1. Seed 1 shares (0,1):
        // 0.9 − 0.6 = 0.3. Mean over the 3 pairs 0.3; per seed 0.3 and 0.3. mAP: 0.8 − 0.75 and 0.9 − 0.7.
        var runs = new[]
        {
            Run(dir, 0, "wcam", 0.8, Pairs([0, 0, 1], [1, 2, 3], [0.9, 0.8, 0.7])),
            Run(dir, 0, "none", 0.7, Pairs([0, 1, 2], [1, 3, 0], [0.6, 0.5, 0.4])),
            Run(dir, 0, "none", 0.75, Pairs([0, 1], [1, 3], [0.4, 0.6]), "kd-control"),
            Run(dir, 1, "wcam", 0.9, Pairs([0], [1], [0.9])),
            Run(dir, 1, "none", 0.6, Pairs([0], [1], [0.8])),
            Run(dir, 1, "none", 0.7, Pairs([0, 2], [1, 2], [0.6, 0.1]), "kd-control"),
        };
        var stats = ExperimentStatistics.Compute(new ExperimentResults(config, runs));

        var cosine = stats.Differences.Single(d => d.Comparison == "WCAM − control" && d.Attribution == "gradcam" && d.Metric == "cosine");
        Assert.Equal(("kd", "wcam", "kd-control", "none"), (cosine.Compression, cosine.Matcher, cosine.BaselineRun, cosine.Baseline));
        Assert.Equal(0.3, cosine.Estimate.Mean, 12);
        Assert.Equal(3, cosine.Estimate.N);
        Assert.Equal([0.3, 0.3], cosine.Seeds.Select(x => Math.Round(x.Mean, 12)));
        var map = stats.Differences.Single(d => d.Comparison == "WCAM − control" && d.Metric == "map_per_class");
        Assert.Equal(0.125, map.Estimate.Mean, 12);
        // The built-in comparison is still there, and the control (matchers: none) has none of its own.
        Assert.Contains(stats.Differences, d => d.Comparison == "WCAM − naive" && d.Compression == "kd" && d.BaselineRun == "kd");
        Assert.DoesNotContain(stats.Differences, d => d.Compression == "kd-control");
        // The control's table has the teacher and its one row; the comparison is listed under the model's compression.
        Assert.Equal(["Teacher", "naive"], new ExperimentResults(config, runs).Rows("kd-control").Select(r => r.Label));
        // A control fine-tuned with logit distillation is titled as such, not "naive".
        var distilled = new ExperimentConfig.CompressionSection { Method = "structured", Label = "structured-kd", Options = ["--ratio", "0.3", "--finetune-kd", "0.9"], Matchers = ["none"] };
        Assert.Equal("logit KD, no matching", ExperimentResults.MatcherTitle("none", distilled));
        Assert.Equal("naive", ExperimentResults.MatcherTitle("none", distilled with { Options = ["--ratio", "0.3", "--finetune-kd", "0"] }));
        Assert.Equal("+ WCAM", ExperimentResults.MatcherTitle("wcam", distilled));
        Assert.Contains("| WCAM − control |", stats.Markdown(config, "kd").Replace("  ", " "), StringComparison.Ordinal);
        var json = stats.DifferencesJson().Single(d => (string?)d!["comparison"] == "WCAM − control" && (string?)d!["metric"] == "cosine")!;
        Assert.Equal("kd-control", (string?)json["baseline_compression"]);

        // The consistency chart draws the control's one point and does not call its absent WCAM run missing.
        var chart = ConsistencyChart.Build(new ExperimentResults(config, runs)).Single();
        Assert.DoesNotContain("No point", chart.Caption, StringComparison.Ordinal);
        Assert.True(chart.Png.Length > 1000);
        // A control fine-tuned with logit distillation is its own series in the chart, not a "naive" point.
        var kdConfig = config with { Compressions = config.Compressions.Select(c => c.Name == "kd-control" ? c with { Options = [.. c.Options, "--finetune-kd", "0.9"] } : c).ToArray() };
        var kdResults = new ExperimentResults(kdConfig, runs);
        var cells = kdResults.Statistics.Cells.Where(c => c.Metric == $"{kdConfig.Evaluation.Methods[0]}.cosine" && c.Compression != "teacher").ToList();
        var (series, _) = ConsistencyChart.Series(kdResults, cells);
        Assert.Equal(["naive", "logit KD, no matching", "WCAM"], series.Select(x => x.Name));
        // Each usual row keeps its colour and marker whatever the plan's order: naive 0, WCAM 1, the logit-KD control 4.
        Assert.Equal([0, 4, 1], series.Select(x => x.Style));
        var reordered = new ExperimentResults(kdConfig with { Matchers = ["wcam", "none"] }, runs);
        var (again, _) = ConsistencyChart.Series(reordered, cells);
        Assert.Equal(["WCAM", "naive", "logit KD, no matching"], again.Select(x => x.Name));
        Assert.Equal([1, 0, 4], again.Select(x => x.Style));
        // The control differs from kd only by --finetune-kd, so it stands in kd's group, beside the matchers it controls.
        Assert.Equal(new Dictionary<string, string> { ["kd"] = "kd", ["kd-control"] = "kd" }, ConsistencyChart.Groups(kdConfig));
        Assert.All(series, x => Assert.Single(x.Mean));
        var naive = series.Single(x => x.Name == "naive");
        var control = series.Single(x => x.Name == "logit KD, no matching");
        Assert.Equal(cells.Single(c => c.Compression == "kd" && c.Matcher == "none").Estimate.Mean, naive.Mean[0]);
        Assert.Equal(cells.Single(c => c.Compression == "kd-control").Estimate.Mean, control.Mean[0]);
        // A control with other settings than any compression keeps a group of its own.
        var apart = kdConfig with { Compressions = kdConfig.Compressions.Select(c => c.Name == "kd-control" ? c with { Options = [.. c.Options, "--epochs", "9"] } : c).ToArray() };
        Assert.Equal("kd-control", ConsistencyChart.Groups(apart)["kd-control"]);

        // The plan runs the control with its own matchers only.
        var (stages, planned) = ExperimentPlan.Build(config with { Teacher = new ExperimentConfig.TeacherSection { Checkpoint = "t.ckpt" } }, "out", "cpu", 1);
        Assert.Equal(["kd/none", "kd/wcam", "kd-control/none"], planned.Where(r => r.Seed == 0 && r.Compression != "teacher").Select(r => $"{r.Compression}/{r.Matcher}"));
        Assert.DoesNotContain(stages, s => s.Id.StartsWith("s0-kd-control-wcam", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("kd/wcam", "nope/none", "comparison baseline 'nope/none' must be \"compression/matcher\" with a compression of the plan (kd, kd-control)")]
    [InlineData("kd/wcam", "kd-control/wcam", "comparison baseline 'kd-control/wcam': compression 'kd-control' does not run with matcher 'wcam' (it runs none)")]
    [InlineData("kd-wcam", "kd/none", "comparison model 'kd-wcam' must be")]
    [InlineData("kd/wcam", "kd/wcam", "comparison 'kd/wcam' compares a run with itself")]
    public void ABadComparisonIsRefusedBeforeAnythingRuns(string model, string baseline, string message)
    {
        var config = new ExperimentConfig
        {
            Teacher = new ExperimentConfig.TeacherSection { Checkpoint = null },
            Compressions =
            [
                new ExperimentConfig.CompressionSection { Method = "kd" },
                new ExperimentConfig.CompressionSection { Method = "kd", Label = "kd-control", Matchers = ["none"] },
            ],
            Matchers = ["none", "wcam"],
            Comparisons = [new ExperimentConfig.ComparisonSection { Model = model, Baseline = baseline }],
        };
        var e = Assert.Throws<Apc.ApcException>(() => config.Validate("plan.json"));
        Assert.StartsWith("experiment config 'plan.json': ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        var empty = config with { Comparisons = [], Compressions = [new ExperimentConfig.CompressionSection { Method = "kd", Matchers = [] }] };
        Assert.Contains("compression 'kd' has an empty 'matchers'", Assert.Throws<Apc.ApcException>(() => empty.Validate("plan.json")).Message, StringComparison.Ordinal);
    }

    /// <summary>An evaluation folder as `apc evaluate` writes it (only what the collection reads).</summary>
    static ExperimentRun Evaluated(TempFolder dir, int seed, string compression, string matcher, PairRecords pairs, string? reference)
    {
        var folder = dir.File($"seed-{seed}-{compression}-{matcher}");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "pairs.json"), new JsonObject
        {
            ["format"] = PairsFile.Format, ["methods"] = new JsonObject { ["gradcam"] = PairsFile.ToJson(pairs) },
        }.ToJsonString());
        var evaluation = new JsonObject
        {
            ["model"] = Path.Combine(folder, "model.ckpt"), ["dataset"] = "fashion-scenes/val", ["images"] = 3, ["pairs_file"] = "pairs.json",
            ["attribution"] = new JsonObject { ["gradcam"] = new JsonObject { ["pairs"] = pairs.Count } },
        };
        if (reference is not null) evaluation["reference"] = reference;
        File.WriteAllText(Path.Combine(folder, "evaluation.json"), evaluation.ToJsonString());
        return new ExperimentRun(seed, compression, compression, matcher, folder, Path.Combine(folder, "model.ckpt"), Path.Combine(folder, "evaluation.json"));
    }

    [Fact]
    public void CollectScoresConsistencyOnlyOnPairsTheSeedsTeacherPredicts()
    {
        using var dir = new TempFolder();
        var config = new ExperimentConfig
        {
            Compressions = [new ExperimentConfig.CompressionSection { Method = "kd" }],
            Matchers = ["none", "wcam"],
            Evaluation = new ExperimentConfig.EvaluationSection { Methods = ["gradcam"] },
            Seeds = [0],
        };
        // The teacher predicts (0,1), (1,3) and (2,0). WCAM also predicts (0,2), whose teacher map explains a rejected
        // class (cosine −0.9 as an old evaluation recorded it); naive also predicts (1,4).
        var teacher = Evaluated(dir, 0, "teacher", "-", Pairs([0, 1, 2], [1, 3, 0], [1, 1, 1]) with { Pointing = [true, false, true] }, null);
        var teacherModel = Path.Combine(teacher.Folder, "model.ckpt");
        var wcam = Evaluated(dir, 0, "kd", "wcam", Pairs([0, 0, 1], [1, 2, 3], [0.9, -0.9, 0.7]), teacherModel);
        var naive = Evaluated(dir, 0, "kd", "none", Pairs([0, 1, 1], [1, 3, 4], [0.6, 0.5, -0.8]) with { Pointing = [false, true, true] }, teacherModel);

        var results = ExperimentResults.Collect(config, [teacher, wcam, naive]);

        var w = results.Runs.Single(r => r.Run.Matcher == "wcam");
        var n = results.Runs.Single(r => r.Run.Matcher == "none");
        Assert.Equal((0.9 + 0.7) / 2, w.Values["gradcam.cosine"], 12);
        Assert.Equal((0.6 + 0.5) / 2, n.Values["gradcam.cosine"], 12);
        Assert.Equal(2, w.Values["gradcam.consistency_pairs"]);
        Assert.Equal(3, w.Values["gradcam.pairs"]); // localisation keeps every pair the model predicts
        Assert.Equal([0.9, double.NaN, 0.7], w.Pairs!["gradcam"].Cosine!);
        // Pointing gap on the shared pairs (0,1) and (1,3): WCAM hits both, the teacher only (0,1): (0 + 1)/2.
        // Naive misses (0,1) and hits (1,3): (−1 + 1)/2 = 0.
        Assert.Equal(0.5, w.Values["gradcam.pointing_gap"], 12);
        Assert.Equal(2, w.Values["gradcam.pointing_gap_pairs"]);
        Assert.Equal(0.0, n.Values["gradcam.pointing_gap"], 12);

        // The paired difference uses the same pairs: (0,1) 0.9 − 0.6 and (1,3) 0.7 − 0.5.
        var cosine = results.Statistics.Differences.Single(d => d.Attribution == "gradcam" && d.Metric == "cosine");
        Assert.Equal(0.25, cosine.Estimate.Mean, 12);
        Assert.Equal(2, cosine.Estimate.N);
        var cell = results.Statistics.Cells.Single(c => c.Matcher == "wcam" && c.Metric == "gradcam.cosine");
        Assert.Equal(2, cell.Pairs);

        // results.md's table says what each score rests on: pairs scored (pointing, AUC) / compared (cosine) per model.
        var (headers, rows) = results.Table("kd");
        int column = Array.IndexOf(headers, "gradcam pairs");
        Assert.True(column > 0, string.Join(" | ", headers));
        Assert.Equal("3", rows.Single(r => r[0] == "Teacher")[column]);
        Assert.Equal("3 / 2", rows.Single(r => r[0] == "+ WCAM")[column]);
        Assert.Equal("3 / 2", rows.Single(r => r[0] == "naive")[column]);
        Assert.Contains("gradcam pairs", results.ResultsMarkdown("apc experiment", new Apc.Cli.Experiments.PlanTime(0, 0, 0, 1)));

        // A run evaluated against another reference is left as its evaluation wrote it.
        var other = Evaluated(dir, 0, "kd", "at", Pairs([0, 0], [1, 2], [0.8, -0.7]), dir.File("elsewhere/model.ckpt"));
        var otherResults = ExperimentResults.Collect(config with { Matchers = ["at"] }, [teacher, other]);
        Assert.Equal([0.8, -0.7], otherResults.Runs.Single(r => r.Run.Matcher == "at").Pairs!["gradcam"].Cosine!);
    }

    [Theory]
    [InlineData("none", "naive", "naive")]
    [InlineData("at", "+ attention transfer", "AT")]
    [InlineData("wcam", "+ WCAM", "WCAM")]
    [InlineData("wcam:drop=0.3", "+ stochastic WCAM (p=0.3)", "stochastic WCAM (p=0.3)")]
    [InlineData("at:weight=16", "+ attention transfer (β=16)", "AT (β=16)")]
    [InlineData("wcam:drop=0.3:weight=4:layers=pool4", "+ stochastic WCAM (p=0.3, β=4, at pool4)", "stochastic WCAM (p=0.3, β=4, at pool4)")]
    public void AMatchersTitleNamesItsKindAndEveryOption(string matcher, string title, string shortTitle)
    {
        // Two attention-transfer rows at different β must not read alike in a table or a chart legend.
        Assert.Equal(title, ExperimentResults.MatcherTitle(matcher));
        Assert.Equal(shortTitle, ExperimentStatistics.ShortTitle(matcher));
    }

    [Fact]
    public void AVariantTakesItsKindsColourAndTheSameMarkerInEveryChart()
    {
        using var dir = new TempFolder();
        // Two charts of one study: a structured sweep with AT at β 16 and 40, and a combination that also holds WCAM at
        // β 3 and 30 and a stochastic WCAM at another drop rate, in another order.
        string[] sweep = ["none", "wcam", "at", "at:weight=16", "at:weight=40"];
        string[] combined = ["wcam:weight=3", "none", "at:weight=40", "wcam", "wcam:weight=30", "at", "wcam:drop=0.6", "at:weight=16"];
        (int? Style, int? Shape)[] StylesOf(string[] matchers, out List<string> names)
        {
            var config = new ExperimentConfig
            {
                Compressions = [new ExperimentConfig.CompressionSection { Method = "structured" }],
                Matchers = matchers, Evaluation = new ExperimentConfig.EvaluationSection { Methods = ["gradcam"] }, Seeds = [0],
            };
            var runs = matchers.Select((m, i) => Run(dir, 0, m, 0.8, Pairs([0, 1], [1, 2], [0.9 - 0.01 * i, 0.8]), "structured")).ToArray();
            var results = new ExperimentResults(config, runs);
            var cells = results.Statistics.Cells.Where(c => c.Metric == "gradcam.cosine" && c.Compression != "teacher").ToList();
            var (series, _) = ConsistencyChart.Series(results, cells);
            names = series.Select(x => x.Name).ToList();
            return series.Select(x => (x.Style, x.Shape)).ToArray();
        }
        var a = StylesOf(sweep, out var aNames);
        var b = StylesOf(combined, out var bNames);
        var look = aNames.Zip(a).ToDictionary(x => x.First, x => x.Second);
        var lookB = bNames.Zip(b).ToDictionary(x => x.First, x => x.Second);
        // Every series shared by the two charts looks the same in both.
        foreach (var name in aNames) Assert.Equal(look[name], lookB[name]);
        // Within a chart no two series share colour and marker (a null marker is the colour's own, index Style % 8).
        foreach (var chart in new[] { a, b })
            Assert.Equal(chart.Length, chart.Select(x => (x.Style, x.Shape ?? x.Style % Apc.Reporting.Plots.ShapeCount)).Distinct().Count());
        // The usual kinds keep their slots; a variant takes its kind's colour (WCAM 1, AT 2, stochastic WCAM 3) and another marker.
        Assert.Equal((0, (int?)null), lookB["naive"]);
        Assert.Equal((1, (int?)null), lookB["WCAM"]);
        Assert.Equal((2, (int?)null), lookB["attention transfer"]);
        Assert.Equal(["WCAM (β=3)", "attention transfer (β=40)", "WCAM (β=30)", "stochastic WCAM (p=0.6)", "attention transfer (β=16)"],
            bNames.Where(n => n.Contains('β') || n.Contains("p=")));
        foreach (var (name, colour) in bNames.Zip(b).Where(x => x.First.Contains('β') || x.First.Contains("p=")).Select(x => (x.First, x.Second.Style)))
            Assert.Equal(name.StartsWith("attention", StringComparison.Ordinal) ? 2 : name.StartsWith("stochastic", StringComparison.Ordinal) ? 3 : 1, colour);
        Assert.All(b.Where(x => x.Shape is not null), x => Assert.NotEqual(x.Style!.Value % Apc.Reporting.Plots.ShapeCount, x.Shape!.Value));
    }
}
