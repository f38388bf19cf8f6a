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
        var aRuns = new[]
        {
            Run(dir, 0, "wcam", 0.8, Pairs([0, 0, 1], [1, 2, 3], [0.9, 0.8, 0.7])),
            Run(dir, 0, "none", 0.7, Pairs([0, 1, 2], [1, 3, 0], [0.6, 0.5, 0.4])),
            Run(dir, 1, "wcam", 0.9, Pairs([0], [1], [0.9])),
            Run(dir, 1, "none", 0.6, Pairs([0], [1], [0.8])),
        };
        var bRuns = new[]
        {
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

        // A rerun into its own folder redraws; an experiment's folder (files no fingerprint describes) is refused.
        CombinedStudy.Run([folderA, folderB], outDir, force: false, "again");
        Assert.Contains("`again`", File.ReadAllText(Path.Combine(outDir, CombinedStudy.TableFile)), StringComparison.Ordinal);
        File.WriteAllBytes(Path.Combine(folderA, "consistency-gradcam.png"), [1, 2, 3]);
        var refused = Assert.Throws<Apc.ApcException>(() => CombinedStudy.Run([folderA, folderB], folderA, force: false, "x"));
        Assert.Contains("--force", refused.Message, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(folderA, "consistency-gradcam.png")));
    }

    [Theory]
    [InlineData("seeds", "the seeds differs between")]
    [InlineData("split", "the evaluation split differs between")]
    [InlineData("teacher", "the teacher differs between")]
    [InlineData("twice", "the run kd/none is in both")]
    [InlineData("name", "compression 'kd' has other settings in")]
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
            "twice" => b.Config with { Compressions = [new ExperimentConfig.CompressionSection { Method = "kd" }] },
            _ => b.Config with { Compressions = [new ExperimentConfig.CompressionSection { Method = "kd", Options = ["--epochs", "3"], Matchers = ["at"] }] },
        };
        var folderB = Write(dir, "b", new ExperimentResults(bConfig, b.Runs));
        var e = Assert.Throws<Apc.ApcException>(() => CombinedStudy.Run([folderA, folderB], dir.File("out"), force: false, "x"));
        Assert.StartsWith("--combine: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir.File("out")), "nothing is written");
    }

    [Fact]
    public void AFileThatIsNotAnExperimentsResultsIsNamed()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("results.json"), "{\"name\": 1}");
        var e = Assert.Throws<Apc.ApcException>(() => CombinedStudy.Read(dir.Path));
        Assert.Equal($"--combine '{dir.File("results.json")}': not the results.json of apc experiment (no \"config\" or \"statistics\").", e.Message);
        Assert.Contains("file not found", Assert.Throws<Apc.ApcException>(() => CombinedStudy.Read(dir.File("nope"))).Message, StringComparison.Ordinal);
    }
}
