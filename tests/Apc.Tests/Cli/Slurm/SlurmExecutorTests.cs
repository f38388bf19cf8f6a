using System.Text.Json.Nodes;
using Apc.Cli.Experiments;
using Apc.Cli.Experiments.Slurm;

namespace Apc.Tests.Cli.Slurm;

/// <summary>apc experiment --executor slurm against a real one-node Slurm cluster (<see cref="SlurmCluster"/>): the jobs
/// give the local executor's results, a cancelled job is resubmitted without redoing finished stages, and the ways
/// a submission can fail say why in one line.</summary>
[Collection("slurm")]
public class SlurmExecutorTests
{
    readonly SlurmCluster cluster;
    public SlurmExecutorTests(SlurmCluster cluster) { this.cluster = cluster; cluster.Require(); }

    /// <summary>A plan smaller than apc demo --quick's, with a teacher to train so that the graph has a chain
    /// (train → evaluate, train → compress → evaluate): 7 jobs with the report.</summary>
    static string TinyPlan(TempFolder dir, int kdEpochs = 1)
    {
        var path = dir.File("plan.json");
        File.WriteAllText(path, $$"""
            { "name": "slurm test",
              "data": { "train_size": 96, "val_size": 32, "image_size": 32, "batch_size": 32 },
              "teacher": { "arch": "vgg11-bn:w=1/16", "epochs": 1, "lr_steps": "" },
              "compressions": [ { "method": "kd", "options": ["--student", "vgg11-bn:w=1/32", "--epochs", "{{kdEpochs}}"] } ],
              "matchers": ["none", "wcam"],
              "evaluation": { "methods": ["gradcam"], "val_size": 32, "examples": [0] },
              "seeds": [0] }
            """);
        return path;
    }

    static string[] Submit(string plan, string outDir, params string[] more) =>
        new[] { "experiment", "--config", plan, "--out", outDir, "--executor", "slurm", "--cpus-per-task", "1" }.Concat(more).ToArray();

    /// <summary>Polls --status until no job runs and every queued job waits for nothing that can still happen (a hang
    /// guard of 10 minutes, not a timing test).</summary>
    static IReadOnlyList<ExperimentStatus.Row> WaitUntilSettled(string outDir)
    {
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (true)
        {
            var rows = ExperimentStatus.Read(outDir);
            if (!rows.Any(r => r.State == "running" || (r.State == "queued" && !r.Detail.Contains("failed", StringComparison.Ordinal))))
                return rows;
            Assert.True(DateTime.UtcNow < deadline, "jobs still queued or running after 10 minutes: " +
                string.Join("; ", rows.Select(r => $"{r.Id} {r.State} {r.JobId} {r.Detail}")));
            Thread.Sleep(500);
        }
    }

    static void AssertAllDone(IReadOnlyList<ExperimentStatus.Row> rows) =>
        Assert.True(rows.All(r => r.State == "done"), string.Join("; ", rows.Select(r => $"{r.Id} {r.State} {r.JobId} {r.Detail}")));

    static JsonNode Results(string outDir) => JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!;

    [Fact]
    public void APlanRunAsSlurmJobsGivesTheLocalExecutorsResults()
    {
        using var dir = new TempFolder();
        var plan = TinyPlan(dir);
        string local = dir.File("local"), slurm = dir.File("slurm");
        var (code, error) = CliRunner.Run("experiment", "--config", plan, "--out", local, "--threads", "1");
        Assert.True(code == 0, error);
        (code, error) = CliRunner.Run(Submit(plan, slurm));
        Assert.True(code == 0, error);
        AssertAllDone(WaitUntilSettled(slurm));

        // Every stage ran the same verb with the same arguments: the done markers' fingerprints are equal apart from the
        // input checkpoints' SHA-256 (a checkpoint records when it was made) ...
        var (stages, runs) = ExperimentPlan.Build(Apc.Cli.Experiments.ExperimentConfig.Load(plan), slurm, "cpu", 1);
        Assert.Equal(6, stages.Count);
        foreach (var stage in stages)
        {
            var a = StageFingerprint.Recorded(stage.DoneMarker.Replace(slurm, local))!;
            var b = StageFingerprint.Recorded(stage.DoneMarker);
            Assert.NotNull(b);
            var differences = b!.DifferencesFrom(a).Where(d => !d.StartsWith("--teacher:") && !d.StartsWith("--model:") && !d.StartsWith("--reference:")).ToList();
            Assert.True(differences.Count == 0, stage.Id + ": " + string.Join("; ", differences));
        }
        // ... and those checkpoints hold equal weights: the teacher and both students are the local ones, bit for bit.
        Assert.Equal(3, runs.Count);
        foreach (var run in runs)
        {
            using var x = Apc.Checkpoints.ModelCheckpoint.Load(run.ModelPath.Replace(slurm, local));
            using var y = Apc.Checkpoints.ModelCheckpoint.Load(run.ModelPath);
            var xs = x.Model.state_dict();
            var ys = y.Model.state_dict();
            Assert.Equal(xs.Keys, ys.Keys);
            foreach (var key in xs.Keys) Assert.True(xs[key].eq(ys[key]).all().item<bool>(), $"{run.ModelPath}: {key} differs");
        }
        // The results are equal apart from time and provenance: wall time, latency, the command, paths.
        JsonNode localResults = Results(local), slurmResults = Results(slurm);
        foreach (var key in new[] { "statistics", "paired_differences", "config" })
            Assert.True(JsonNode.DeepEquals(localResults[key], slurmResults[key]), key);
        var localSummary = localResults["summary"]!.AsArray();
        var slurmSummary = slurmResults["summary"]!.AsArray();
        Assert.Equal(localSummary.Count, slurmSummary.Count);
        for (int i = 0; i < localSummary.Count; i++)
        {
            JsonObject x = Timeless(localSummary[i]!["stats"]!), y = Timeless(slurmSummary[i]!["stats"]!);
            Assert.True(JsonNode.DeepEquals(x, y), $"summary row {i}: {x.ToJsonString()} vs {y.ToJsonString()}");
        }
        var localRuns = localResults["runs"]!.AsArray();
        var slurmRuns = slurmResults["runs"]!.AsArray();
        Assert.Equal(3, slurmRuns.Count);
        for (int i = 0; i < localRuns.Count; i++)
        {
            JsonObject x = Timeless(localRuns[i]!["values"]!), y = Timeless(slurmRuns[i]!["values"]!);
            Assert.True(JsonNode.DeepEquals(x, y), $"run {i}: {x.ToJsonString()} vs {y.ToJsonString()}");
            Assert.True(JsonNode.DeepEquals(localRuns[i]!["evaluation"]!["prediction"], slurmRuns[i]!["evaluation"]!["prediction"]), $"run {i} prediction");
            Assert.True(JsonNode.DeepEquals(localRuns[i]!["evaluation"]!["attribution"], slurmRuns[i]!["evaluation"]!["attribution"]), $"run {i} attribution");
        }
        Assert.True(File.Exists(Path.Combine(slurm, "report.html")));
    }

    [Fact]
    public void ACancelledJobIsResubmittedAndNothingFinishedIsRedone()
    {
        using var dir = new TempFolder();
        // kd runs 40 epochs here (tens of seconds), so its job is still running when it is cancelled.
        var plan = TinyPlan(dir, kdEpochs: 40);
        var outDir = dir.File("out");
        var (code, error) = CliRunner.Run(Submit(plan, outDir));
        Assert.True(code == 0, error);
        var record = SlurmJobRecord.Read(outDir)!;
        var victim = record.Jobs["s0-kd-wcam"];
        var deadline = DateTime.UtcNow.AddMinutes(10);
        var kdWcam = Path.Combine(outDir, "seed-0", "kd-wcam");
        // Cancel only once the stage has started writing (its fingerprint.json), so that a half-written stage is what
        // the resubmission meets.
        while (!(SlurmCommands.Queue().TryGetValue(victim, out var job) && job.State == "RUNNING" && File.Exists(Path.Combine(kdWcam, "fingerprint.json"))))
        {
            Assert.True(DateTime.UtcNow < deadline && ExperimentStatus.Read(outDir).Single(r => r.Id == "s0-kd-wcam").State != "done",
                "the kd-wcam job was never seen running with its stage started");
            Thread.Sleep(100);
        }
        SlurmCommands.Cancel(new[] { victim });
        var rows = WaitUntilSettled(outDir);
        Assert.Equal("failed", rows.Single(r => r.Id == "s0-kd-wcam").State);
        Assert.Contains("CANCELLED", rows.Single(r => r.Id == "s0-kd-wcam").Detail);
        Assert.Equal("queued", rows.Single(r => r.Id == "s0-kd-wcam-eval").State);     // waits for a job that failed
        Assert.Equal("queued", rows.Single(r => r.Id == "report").State);
        // The cancelled stage started writing (its fingerprint.json), but it is not done.
        Assert.True(File.Exists(Path.Combine(kdWcam, "fingerprint.json")));
        Assert.False(File.Exists(Path.Combine(kdWcam, "DONE")));
        var finished = rows.Where(r => r.State == "done").Select(r => r.Id).ToList();
        Assert.Equal(new[] { "s0-teacher", "s0-teacher-eval", "s0-kd-none", "s0-kd-none-eval" }, finished);
        var (stages, _) = ExperimentPlan.Build(Apc.Cli.Experiments.ExperimentConfig.Load(plan), outDir, "cpu", 1);
        var before = stages.Where(s => finished.Contains(s.Id)).ToDictionary(s => s.Id, s => Snapshot(Path.GetDirectoryName(s.DoneMarker)!));

        (code, error) = CliRunner.Run(Submit(plan, outDir));
        Assert.True(code == 0, error);
        var again = SlurmJobRecord.Read(outDir)!;
        Assert.Equal(new[] { "report", "s0-kd-wcam", "s0-kd-wcam-eval" }, again.Jobs.Keys.Order());   // finished stages got no job
        Assert.DoesNotContain(again.Jobs.Values, record.Jobs.Values.Contains);                       // the blocked ones were replaced
        AssertAllDone(WaitUntilSettled(outDir));
        foreach (var (id, files) in before)
            Assert.Equal(files, Snapshot(Path.GetDirectoryName(stages.Single(s => s.Id == id).DoneMarker)!));
        Assert.Equal(40, JsonNode.Parse(File.ReadAllText(Path.Combine(kdWcam, "metrics.json")))!["training"]!["history"]!.AsArray().Count);
    }

    /// <summary>Every file of a stage folder (not below) with its bytes and time of last write.</summary>
    static Dictionary<string, (string, DateTime)> Snapshot(string folder) =>
        Directory.EnumerateFiles(folder).ToDictionary(f => Path.GetFileName(f)!, f => (Convert.ToHexString(File.ReadAllBytes(f)), File.GetLastWriteTimeUtc(f)));

    [Fact]
    public void ARejectedSubmissionGivesSlurmsReasonAndLeavesNoJobs()
    {
        using var dir = new TempFolder();
        var outDir = dir.File("out");
        var (code, error) = CliRunner.Run(Submit(TinyPlan(dir), outDir, "--partition", "nosuch"));
        Assert.Equal(1, code);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains("Slurm rejected", error);
        Assert.Contains("Invalid partition", error);
        Assert.Empty(SlurmJobRecord.Read(outDir)!.Jobs);
    }

    [Fact]
    public void AnOutputFolderThatCannotBeWrittenIsOneLine()
    {
        using var dir = new TempFolder();
        var blocker = dir.File("file");
        File.WriteAllText(blocker, "a file where a folder should go");
        // At submission: nothing is submitted.
        var (code, error) = CliRunner.Run(Submit(TinyPlan(dir), Path.Combine(blocker, "out")));
        Assert.Equal(1, code);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains($"cannot be made: '{blocker}' is a file, not a folder", error);

        // From a job: the experiment's folder is writable, the teacher's folder cannot be made (seed-0 is a file). The
        // teacher's job fails, and --status shows its one error line.
        var outDir = dir.File("out");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "seed-0"), "a file where a folder should go");
        (code, error) = CliRunner.Run(Submit(TinyPlan(dir), outDir));
        Assert.True(code == 0, error);
        var rows = WaitUntilSettled(outDir);
        var teacher = rows.Single(r => r.Id == "s0-teacher");
        Assert.Equal("failed", teacher.State);
        Assert.Contains($"cannot be made: '{Path.Combine(outDir, "seed-0")}' is a file, not a folder", teacher.Detail);
        Assert.Contains(Path.Combine(outDir, "seed-0", "teacher"), teacher.Detail);
        Assert.All(rows.Where(r => r.Id != "s0-teacher"), r => Assert.Equal("queued", r.State));
        SlurmCommands.Cancel(SlurmJobRecord.Read(outDir)!.Jobs.Values.ToList());
    }

    static JsonObject Timeless(JsonNode values)
    {
        var copy = values.DeepClone().AsObject();
        foreach (var key in copy.Select(p => p.Key).Where(k => k.StartsWith("latency", StringComparison.Ordinal)).ToList()) copy.Remove(key);
        return copy;
    }
}
