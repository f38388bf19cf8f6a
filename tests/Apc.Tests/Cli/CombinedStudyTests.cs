using System.Text.Json.Nodes;
using Apc.Cli.Experiments;
using Apc.Tests.Reporting;
using static Apc.Tests.Cli.ExperimentStatisticsTests;

namespace Apc.Tests.Cli;

public class CombinedStudyTests
{
    static readonly ExperimentConfig.EvaluationSection Evaluation = new() { Methods = ["gradcam"], Split = "test" };

    /// <summary>Part A: kd, naive and WCAM, 2 seeds. Part B: structured pruning, naive, and its logit-KD control.</summary>
    static (ExperimentResults A, ExperimentResults B) Parts(TempFolder dir)
    {
        var a = new ExperimentConfig
        {
            Name = "part a",
            Compressions = [new ExperimentConfig.CompressionSection { Method = "kd" }],
            Matchers = ["none", "wcam"], Evaluation = Evaluation, Seeds = [0, 1],
        };
        var b = a with
        {
            Name = "part b",
            Compressions =
            [
                new ExperimentConfig.CompressionSection { Method = "structured", Options = ["--ratio", "0.3"] },
                new ExperimentConfig.CompressionSection { Method = "structured", Label = "structured-kd", Options = ["--ratio", "0.3", "--finetune-kd", "0.9"], Matchers = ["none"] },
            ],
            Matchers = ["none"],
        };
        ExperimentResults.RunValues Teacher(int seed) => Run(dir, seed, "-", 0.85 + seed / 100.0, Pairs([0, 1], [1, 3], [1, 1]), "teacher");
        var aRuns = new[]
        {
            Teacher(0), Teacher(1),
            Run(dir, 0, "wcam", 0.8, Pairs([0, 0, 1], [1, 2, 3], [0.9, 0.8, 0.7])),
            Run(dir, 0, "none", 0.7, Pairs([0, 1, 2], [1, 3, 0], [0.6, 0.5, 0.4])),
            Run(dir, 1, "wcam", 0.9, Pairs([0], [1], [0.9])),
            Run(dir, 1, "none", 0.6, Pairs([0], [1], [0.8])),
        };
        var bRuns = new[]
        {
            Teacher(0), Teacher(1),
            Run(dir, 0, "none", 0.75, Pairs([0, 1], [1, 3], [0.95, 0.85]), "structured"),
            Run(dir, 1, "none", 0.72, Pairs([0], [1], [0.91]), "structured"),
            Run(dir, 0, "none", 0.77, Pairs([0, 1], [1, 3], [0.97, 0.93]), "structured-kd"),
            Run(dir, 1, "none", 0.74, Pairs([0], [1], [0.96]), "structured-kd"),
        };
        return (new ExperimentResults(a, aRuns), new ExperimentResults(b, bRuns));
    }

    static string Write(TempFolder dir, string name, ExperimentResults results, Func<JsonObject, JsonObject>? edit = null)
    {
        var folder = dir.File(name);
        Directory.CreateDirectory(folder);
        var json = results.ToJson($"apc experiment --out {name}", new PlanTime(0, 0, 0, 0));
        File.WriteAllText(Path.Combine(folder, "results.json"), (edit?.Invoke(json) ?? json).ToJsonString());
        return folder;
    }

    [Fact]
    public void ThePartsNumbersComeBackUnchangedInOneTableAndOneChart()
    {
        using var dir = new TempFolder();
        var (a, b) = Parts(dir);
        var folderA = Write(dir, "a", a);
        var folderB = Write(dir, "b", b);

        // Round trip: what a part's results.json holds is exactly what the experiment computed.
        var readA = CombinedStudy.Read(folderA);
        Assert.Equal(a.Statistics.Cells, readA.Cells);
        Assert.Equal(a.Statistics.Differences.Select(d => (d.Compression, d.Comparison, d.Attribution, d.Metric, d.Estimate, d.OverSeeds, string.Join(",", d.Seeds))),
            readA.Differences.Select(d => (d.Compression, d.Comparison, d.Attribution, d.Metric, d.Estimate, d.OverSeeds, string.Join(",", d.Seeds))));

        var outDir = dir.File("combined");
        var written = CombinedStudy.Run([folderA, Path.Combine(folderB, "results.json")], outDir, force: false, "apc experiment --combine a,b");
        Assert.Equal(["consistency-gradcam.png", "combined.md"], written.Select(Path.GetFileName));

        var (config, cells) = CombinedStudy.Merge([readA, CombinedStudy.Read(folderB)]);
        Assert.Equal(["kd", "structured", "structured-kd"], config.Compressions.Select(c => c.Name));
        Assert.Equal(["none", "wcam"], config.MatchersOf(config.Compressions[0]));
        Assert.Equal(["none"], config.MatchersOf(config.Compressions[1])); // part b's matchers, not the union
        // The control stands beside the compression it controls.
        Assert.Equal("structured", ConsistencyChart.Groups(config)["structured-kd"]);

        var lines = File.ReadAllLines(Path.Combine(outDir, CombinedStudy.TableFile)).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();
        string Row(string compression, string model) => lines.Single(l => l.StartsWith($"| {compression} | {model} |", StringComparison.Ordinal));
        string Cosine(ExperimentResults r, string compression, string matcher) =>
            ExperimentStatistics.Format(r.Statistics.Cells.Single(c => c.Compression == compression && c.Matcher == matcher && c.Metric == "gradcam.cosine").Estimate, false);
        Assert.EndsWith($"| {Cosine(a, "kd", "wcam")} |", Row("kd", "+ WCAM"), StringComparison.Ordinal);
        Assert.EndsWith($"| {Cosine(b, "structured", "none")} |", Row("structured", "naive"), StringComparison.Ordinal);
        Assert.EndsWith($"| {Cosine(b, "structured-kd", "none")} |", Row("structured-kd", "logit KD, no matching"), StringComparison.Ordinal);
        // Part a's paired difference, its own numbers: over pairs 0.2 (see ExperimentStatisticsTests), per seed 0.25, 0.1.
        Assert.Contains(lines, l => l.StartsWith("| gradcam | kd | WCAM − naive | +0.200 [", StringComparison.Ordinal) && l.EndsWith("| +0.250, +0.100 |", StringComparison.Ordinal));
        Assert.Equal((900, 480), PngHeader.Size(File.ReadAllBytes(Path.Combine(outDir, "consistency-gradcam.png"))));
        // The teacher's row, each compression's settings, and the chart with its caption (what the whiskers are).
        var teacherMap = a.Statistics.Cells.Single(c => c.Compression == "teacher" && c.Metric == "map_per_class").Estimate;
        Assert.Equal(0.855, teacherMap.Mean, 12); // seeds 0.85 and 0.86
        Assert.StartsWith($"| teacher | Teacher | 2 | {ExperimentStatistics.Format(teacherMap, true)} |", Row("teacher", "Teacher"), StringComparison.Ordinal);
        Assert.Contains("| structured-kd | structured --ratio 0.3 --finetune-kd 0.9, β 100 (the default) | none |", lines);
        Assert.Contains(lines, l => l == "![consistency-gradcam](consistency-gradcam.png)");
        Assert.Contains(lines, l => l.Contains("Student-t confidence interval across 2 seeds", StringComparison.Ordinal));

        // A rerun into its own folder redraws; an experiment's folder (files no fingerprint describes) is refused.
        CombinedStudy.Run([folderA, folderB], outDir, force: false, "again");
        Assert.Contains("`again`", File.ReadAllText(Path.Combine(outDir, CombinedStudy.TableFile)), StringComparison.Ordinal);
        // Never into a part (its charts would pass for that experiment's own), even with --force.
        File.WriteAllBytes(Path.Combine(folderA, "consistency-gradcam.png"), [1, 2, 3]);
        foreach (var into in new[] { folderA, folderB + "/" })
            Assert.Contains("is the folder of the experiment", Assert.Throws<Apc.UsageException>(() => CombinedStudy.Run([folderA, folderB], into, force: true, "x")).Message, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(folderA, "consistency-gradcam.png")));
        // A folder of its own inside a part is fine (the study's parts sit in one tree).
        CombinedStudy.Run([folderA, folderB], Path.Combine(folderA, "combined"), force: false, "x");
        Assert.True(File.Exists(Path.Combine(folderA, "combined", CombinedStudy.TableFile)));
        // Another folder with a chart no fingerprint describes needs --force; an unreadable fingerprint too.
        var other = dir.File("other");
        Directory.CreateDirectory(other);
        File.WriteAllBytes(Path.Combine(other, "consistency-gradcam.png"), [1, 2, 3]);
        Assert.Contains("--force", Assert.Throws<Apc.ApcException>(() => CombinedStudy.Run([folderA, folderB], other, force: false, "x")).Message, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(other, "fingerprint.json"), "garbage");
        Assert.Contains("--force", Assert.Throws<Apc.ApcException>(() => CombinedStudy.Run([folderA, folderB], other, force: false, "x")).Message, StringComparison.Ordinal);
        CombinedStudy.Run([folderA, folderB], other, force: true, "x");
        Assert.Equal((900, 480), PngHeader.Size(File.ReadAllBytes(Path.Combine(other, "consistency-gradcam.png"))));
        // The same part twice is named as such.
        Assert.Equal($"--combine: '{folderA}' is given twice.",
            Assert.Throws<Apc.UsageException>(() => CombinedStudy.Run([folderA, folderB, folderA + "/results.json"], dir.File("twice"), force: false, "x")).Message
                .Replace("/results.json", "", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("seeds", "differ in their plan settings (seeds: \"0,1\" against \"0,2\")")]
    [InlineData("split", "differ in their plan settings (split: \"test\" against \"val\")")]
    [InlineData("layers", "differ in their plan settings (match_layers: none against \"features.20\")")]
    [InlineData("teacher", "differ in their teacher (checkpoint: none against \"other.ckpt\")")]
    [InlineData("twice", "the run kd/none is in both")]
    [InlineData("name", "compression 'kd' has other settings in")]
    [InlineData("beta", "compression 'kd' has other settings in")]
    [InlineData("scores", "the teacher scores differently in")]
    public void PartsThatWereNotEvaluatedAlikeOrOverlapAreRefused(string change, string message)
    {
        using var dir = new TempFolder();
        var (a, b) = Parts(dir);
        var folderA = Write(dir, "a", a);
        var bConfig = change switch
        {
            "seeds" => b.Config with { Seeds = [0, 2] },
            "split" => b.Config with { Evaluation = Evaluation with { Split = "val" } },
            "teacher" => b.Config with { Teacher = new ExperimentConfig.TeacherSection { Checkpoint = "other.ckpt" } },
            "layers" => b.Config with { MatchLayers = "features.20" },
            "twice" => b.Config with { Compressions = [new ExperimentConfig.CompressionSection { Method = "kd" }] },
            // Part a's kd at the plan's β (null) against a kd at β 3: the runs differ although the sections read alike.
            "beta" => b.Config with { Compressions = [new ExperimentConfig.CompressionSection { Method = "kd", Matchers = ["at"] }], MatchWeight = 3 },
            "scores" => b.Config,
            _ => b.Config with { Compressions = [new ExperimentConfig.CompressionSection { Method = "kd", Options = ["--epochs", "3"], Matchers = ["at"] }] },
        };
        // A teacher retrained at the same path: its scores differ although the plans agree.
        var folderB = Write(dir, "b", new ExperimentResults(bConfig, b.Runs), change == "scores" ? TeacherMapTimes(0.9) : null);
        var e = Assert.Throws<Apc.ApcException>(() => CombinedStudy.Run([folderA, folderB], dir.File("out"), force: false, "x"));
        Assert.StartsWith("--combine: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("out")), "nothing is written");
    }

    static Func<JsonObject, JsonObject> TeacherMapTimes(double factor) => json =>
    {
        foreach (var cell in json["statistics"]!.AsArray().OfType<JsonObject>())
            if ((string?)cell["compression"] == "teacher" && (string?)cell["metric"] == "map_per_class")
                cell["mean"] = (double)cell["mean"]! * factor;
        return json;
    };

    [Theory]
    [InlineData("needs --out DIR", "experiment", "--combine", "a,b")]
    [InlineData("runs nothing", "experiment", "--combine", "a,b", "--out", "x", "--dry-run")]
    [InlineData("runs nothing", "experiment", "--combine", "a,b", "--out", "x", "--executor", "slurm")]
    [InlineData("without --config or --collect", "experiment", "--combine", "a,b", "--out", "x", "--collect")]
    public void OptionsThatDoNotApplyToACombinationAreUsageErrors(string message, params string[] args)
    {
        var (code, error) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileThatIsNotAnExperimentsResultsIsNamed()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("results.json"), "{\"name\": 1}");
        var e = Assert.Throws<Apc.ApcException>(() => CombinedStudy.Read(dir.Path));
        Assert.Equal($"--combine '{dir.File("results.json")}': not the results.json of apc experiment (no \"config\" or \"statistics\").", e.Message);
        Assert.Contains("file not found", Assert.Throws<Apc.ApcException>(() => CombinedStudy.Read(dir.File("nope"))).Message, StringComparison.Ordinal);
        Assert.Contains("no results.json there", Assert.Throws<Apc.ApcException>(() => CombinedStudy.Read(dir.File("empty") is var empty && Directory.CreateDirectory(empty) is not null ? empty : "")).Message, StringComparison.Ordinal);
        // A mistyped field is named with its place, not an internal error.
        File.WriteAllText(dir.File("results.json"), "{\"config\": {}, \"statistics\": [{\"compression\": \"kd\", \"row\": \"naive\", \"matcher\": \"none\", \"metric\": \"f1\", \"mean\": 0.5, \"n\": 2.5}]}");
        Assert.Equal($"--combine '{dir.File("results.json")}': $.statistics[0].n is not an integer; not the results.json of apc experiment.",
            Assert.Throws<Apc.ApcException>(() => CombinedStudy.Read(dir.Path)).Message);
        File.WriteAllText(dir.File("results.json"), "[1]");
        Assert.Contains("not the results.json of apc experiment", Assert.Throws<Apc.ApcException>(() => CombinedStudy.Read(dir.Path)).Message, StringComparison.Ordinal);
    }
}
