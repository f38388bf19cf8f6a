using System.Text.Json.Nodes;
using Apc.Tests.Compression;

namespace Apc.Tests.Cli;

/// <summary>apc experiment --jobs N: the stages run as child processes, several at once, and give what the one-at-a-time
/// executor gives.</summary>
public class ParallelExecutorTests : IClassFixture<CompressCli>
{
    readonly CompressCli cli;
    public ParallelExecutorTests(CompressCli cli) { this.cli = cli; }

    string Plan(TempFolder dir, string teacher)
    {
        var path = dir.File("plan.json");
        File.WriteAllText(path, $$"""
            { "data": { "train_size": 32, "val_size": 16, "image_size": 32, "batch_size": 16 },
              "teacher": { "checkpoint": "{{teacher}}" },
              "compressions": [ { "method": "structured", "options": ["--ratio", "0.3", "--epochs", "1"] },
                                { "method": "structured", "label": "control", "matchers": ["none"],
                                  "options": ["--ratio", "0.3", "--epochs", "1", "--finetune-kd", "0.9"] } ],
              "matchers": ["none", "wcam"],
              "comparisons": [ { "model": "structured/wcam", "baseline": "control/none", "title": "WCAM − logit KD" } ],
              "evaluation": { "methods": ["gradcam"], "val_size": 16, "examples": [0] } }
            """);
        return path;
    }

    static JsonNode Metrics(string outDir, string run) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "seed-0", run, "evaluation", "evaluation.json")))!["attribution"]!["gradcam"]!;

    [Fact]
    public void TwoJobsGiveTheSameModelsEvaluationsAndMarkersAsOneAndASecondRunRedoesNothing()
    {
        using var dir = new TempFolder();
        var plan = Plan(dir, cli.TeacherPath);
        string one = dir.File("one"), two = dir.File("two");
        // One at a time in a process of its own (this test host's thread settings are shared with other tests).
        var (code, error) = CliRunner.RunChild("experiment", "--config", plan, "--out", one, "--threads", "1");
        Assert.True(code == 0, error);
        (code, error) = CliRunner.Run("experiment", "--config", plan, "--out", two, "--threads", "1", "--jobs", "2");
        Assert.True(code == 0, error);

        foreach (var run in new[] { "structured-none", "structured-wcam" })
        {
            // Same seed, one thread each: the same weights, so the same scores to the last bit.
            Assert.Equal(Metrics(one, run).ToJsonString(), Metrics(two, run).ToJsonString());
            // Each stage's done marker records the same fingerprint, so either executor can finish the other's plan.
            var a = JsonNode.Parse(File.ReadAllText(Path.Combine(one, "seed-0", run, "DONE")))!["fingerprint"]!.ToJsonString().Replace(one, "OUT");
            var b = JsonNode.Parse(File.ReadAllText(Path.Combine(two, "seed-0", run, "DONE")))!["fingerprint"]!.ToJsonString().Replace(two, "OUT");
            Assert.Equal(a, b);
            Assert.True(File.Exists(Path.Combine(two, "logs", $"s0-{run}.log")));
        }
        // The control ran with its own matcher only, and the plan's comparison is in the results and the report.
        Assert.False(Directory.Exists(Path.Combine(two, "seed-0", "control-wcam")));
        Assert.Equal(Metrics(one, "control-none").ToJsonString(), Metrics(two, "control-none").ToJsonString());
        var differences = JsonNode.Parse(File.ReadAllText(Path.Combine(two, "results.json")))!["paired_differences"]!.AsArray();
        Assert.Contains(differences, d => (string?)d!["comparison"] == "WCAM − logit KD" && (string?)d["baseline_compression"] == "control");
        Assert.Contains("WCAM − logit KD", File.ReadAllText(Path.Combine(two, "results.md")));
        Assert.True(File.Exists(Path.Combine(two, "report.html")));
        Assert.Contains("Paired differences, structured", File.ReadAllText(Path.Combine(two, "report.html")));
        // Figure 1 has a naive column for each and a WCAM column only for the compression that runs WCAM.
        Assert.Contains("structured, control without attribution matching (naive), then structured with WCAM", File.ReadAllText(Path.Combine(two, "report.html")));

        // Each done marker records how long its stage ran, and --status shows it with the sum.
        foreach (var dirOut in new[] { one, two })
            Assert.All(Directory.GetFiles(dirOut, "DONE", SearchOption.AllDirectories),
                marker => Assert.InRange(Apc.Cli.Experiments.StageFingerprint.RecordedSeconds(marker)!.Value, 0, 3600));
        var status = Apc.Cli.Experiments.ExperimentStatus.Read(two);
        Assert.All(status.Where(r => r.State == "done" && r.Id != Apc.Cli.Experiments.Slurm.SlurmScripts.ReportId), r => Assert.StartsWith("took ", r.Detail));
        Assert.StartsWith("stage time: ", Apc.Cli.Experiments.ExperimentStatus.TotalLine(status));

        // Everything is done: a second run starts no stage and only collects.
        var before = Directory.GetFiles(Path.Combine(two, "logs")).ToDictionary(f => f, File.ReadAllText);
        (code, error) = CliRunner.Run("experiment", "--config", plan, "--out", two, "--jobs", "2");
        Assert.True(code == 0, error);
        Assert.All(before, kv => Assert.Equal(kv.Value, File.ReadAllText(kv.Key)));
    }

    [Fact]
    public void AFailedStageIsReportedWithItsLogAndWritesNoMarker()
    {
        using var dir = new TempFolder();
        var teacher = dir.File("teacher.ckpt");
        File.WriteAllText(teacher, "not a checkpoint");
        var plan = Plan(dir, teacher);
        var outDir = dir.File("out");
        var (code, error) = CliRunner.Run("experiment", "--config", plan, "--out", outDir, "--jobs", "2");
        Assert.Equal(1, code);
        Assert.Matches(@"experiment stage 'seed 0: [^']+' failed \(exit code 1; its output: .*logs/s0-[a-z-]+\.log", error);
        Assert.DoesNotContain("   at ", error); // no stack trace
        var logs = Directory.GetFiles(Path.Combine(outDir, "logs"));
        Assert.NotEmpty(logs);
        Assert.Contains(logs, log => File.ReadAllText(log).Contains("teacher.ckpt", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(outDir, "DONE", SearchOption.AllDirectories));

        // --status names the failed stages with their exit code and the error line of their log, not "not run".
        var failed = Apc.Cli.Experiments.ExperimentStatus.Read(outDir).Where(r => r.State == "failed").ToList();
        Assert.NotEmpty(failed);
        Assert.All(failed, r => Assert.Matches(@"^exit code 1 at [0-9-]+ [0-9:]+; error: .*teacher\.ckpt", r.Detail));
    }

    [Fact]
    public void StatusTellsARunningLocalStageFromAnInterruptedOne()
    {
        using var dir = new TempFolder();
        var outDir = dir.File("out");
        Directory.CreateDirectory(outDir);
        var config = Apc.Cli.Experiments.DemoConfigs.Quick([0]);
        Apc.Cli.Experiments.ExperimentRunner.WriteConfig(config, outDir);
        var (stages, _) = Apc.Cli.Experiments.ExperimentPlan.Build(config, Path.GetFullPath(outDir), "cpu", 0);
        void Marker(Apc.Cli.Experiments.ExperimentStage stage, int pid)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(stage.DoneMarker)!);
            File.WriteAllText(Apc.Cli.Experiments.StageJob.RunningMarker(stage.DoneMarker),
                new JsonObject { ["pid"] = pid, ["host"] = Environment.MachineName, ["started"] = DateTime.UtcNow.ToString("o") }.ToJsonString());
        }
        // A process that has ended: its id names no running process.
        using var ended = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("true") { UseShellExecute = false })!;
        ended.WaitForExit();
        Marker(stages[0], Environment.ProcessId);
        Marker(stages[1], ended.Id);

        var rows = Apc.Cli.Experiments.ExperimentStatus.Read(outDir);
        Assert.Equal("running", rows.Single(r => r.Id == stages[0].Id).State);
        Assert.Contains($"pid {Environment.ProcessId}", rows.Single(r => r.Id == stages[0].Id).Detail);
        var interrupted = rows.Single(r => r.Id == stages[1].Id);
        Assert.Equal("interrupted", interrupted.State);
        Assert.Contains("rerun the command to continue", interrupted.Detail);
        Assert.All(rows.Where(r => r.Id != stages[0].Id && r.Id != stages[1].Id), r => Assert.Equal("not run", r.State));

        // A rerun does not start a second copy of a stage another live process runs (e.g. left over from a killed parent).
        Apc.Cli.Experiments.StageJob.RequireNotRunning(stages, outDir); // this process's own marker and a dead one: fine
        using var other = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            Marker(stages[2], other.Id);
            var e = Assert.Throws<Apc.ApcException>(() => Apc.Cli.Experiments.StageJob.RequireNotRunning(stages, outDir));
            Assert.Contains($"stage '{stages[2].Label}' is still running (pid {other.Id}", e.Message);
        }
        finally { other.Kill(); }
    }

    [Fact]
    public void StatusSumsTheStageTimesItHasAndSaysWhichDoneStagesHaveNone()
    {
        static Apc.Cli.Experiments.ExperimentStatus.Row Row(string id, string state, double? seconds) =>
            new(id, id, state, null, "") { Seconds = seconds };
        Assert.Null(Apc.Cli.Experiments.ExperimentStatus.TotalLine([Row("a", "done", null), Row("b", "not run", null)]));
        Assert.Equal("stage time: 2 min 00 s in total over 2 done stages (1 done stage recorded no time); stages run side by side each count.",
            Apc.Cli.Experiments.ExperimentStatus.TotalLine([Row("a", "done", 29.5), Row("b", "done", 90.5), Row("c", "done", null), Row("d", "not run", null)]));
        // The collection row (results and report) has no done marker: it is not a stage without a time.
        Assert.Equal("stage time: 2 min 00 s in total over 2 done stages; stages run side by side each count.",
            Apc.Cli.Experiments.ExperimentStatus.TotalLine([Row("a", "done", 29.5), Row("b", "done", 90.5), Row("report", "done", null) with { IsStage = false }]));
        Assert.Equal("4.2 s", Apc.Cli.Experiments.ExperimentStatus.Duration(4.24));
        Assert.Equal("12 min 03 s", Apc.Cli.Experiments.ExperimentStatus.Duration(723));
        Assert.Equal("1 h 05 min", Apc.Cli.Experiments.ExperimentStatus.Duration(3900));
    }

    [Theory]
    [InlineData("0", "--jobs must be at least 1; got 0.")]
    [InlineData("2", "--jobs applies to --executor local only")]
    public void BadJobsAreUsageErrors(string jobs, string message)
    {
        using var dir = new TempFolder();
        var plan = Plan(dir, cli.TeacherPath);
        var args = new List<string> { "experiment", "--config", plan, "--out", dir.File("out"), "--jobs", jobs };
        if (jobs != "0") args.AddRange(["--executor", "slurm", "--dry-run"]);
        var (code, error) = CliRunner.Run(args.ToArray());
        Assert.Equal(2, code);
        Assert.Contains(message, error);
    }
}
