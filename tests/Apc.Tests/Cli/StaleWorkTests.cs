using System.Text.Json.Nodes;
using Apc.Tests.Compression;
using Apc.Util;

namespace Apc.Tests.Cli;

/// <summary>A cached stage, a resume or a reused output folder is recognised by what produced it, never by its name:
/// every example of the trust issue (changed β in the demo, changed bits in an experiment, a resume with other
/// options, a second run into the same folder) is refused with the setting that differs and the remedy.</summary>
public class StaleWorkTests : IClassFixture<CompressCli>
{
    readonly CompressCli cli;
    public StaleWorkTests(CompressCli cli) { this.cli = cli; }

    string[] Kd(string outDir, params string[] more) =>
        new[] { "compress", "kd", "--teacher", cli.TeacherPath, "--student", "vgg11-bn:w=1/32", "--match", "wcam", "--epochs", "2", "--out", outDir }
            .Concat(more).ToArray();

    [Fact]
    public void FingerprintDifferencesNameEachChangedSetting()
    {
        var before = RunFingerprint.Of(new JsonObject { ["epochs"] = 2, ["matching"] = new JsonObject { ["kind"] = "wcam", ["layers"] = new JsonArray("pool5") } });
        var now = RunFingerprint.Of(new JsonObject { ["epochs"] = 1, ["matching"] = new JsonObject { ["kind"] = "none", ["layers"] = new JsonArray("pool5") }, ["seed"] = 3 });
        Assert.Equal(new[] { "epochs: 2 before, 1 now", "matching.kind: wcam before, none now", "seed: unset before, 3 now" }, now.DifferencesFrom(before));
        Assert.Empty(now.DifferencesFrom(RunFingerprint.FromJson(now.ToJson())!)); // round trip through the file format
        Assert.Equal(ToolVersion.Text, now.Settings["tool_version"]);
        // An empty value (an empty --lr-steps) is shown as such, not as nothing.
        var steps = RunFingerprint.Of(new JsonObject { ["lr_steps"] = "" });
        Assert.Equal(new[] { "lr_steps: empty before, 5 now" }, RunFingerprint.Of(new JsonObject { ["lr_steps"] = "5" }).DifferencesFrom(steps));
    }

    [Fact]
    public void AnotherVerbsFolderIsRefusedAndKeepsItsFingerprint()
    {
        // A newcomer's finding: an evaluation into a compression's --out replaced its fingerprint, so the compression
        // could no longer be resumed. The teacher's own training folder stands in for any other verb's folder.
        using var dir = new TempFolder();
        var trained = dir.File("trained"); // a copy: the fixture's teacher folder is shared with other tests
        Directory.CreateDirectory(trained);
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(cli.TeacherPath)!))
            File.Copy(file, Path.Combine(trained, Path.GetFileName(file)));
        var fingerprint = File.ReadAllText(Path.Combine(trained, RunFolder.FingerprintFile));
        var (code, error) = CliRunner.Run("evaluate", "--model", Path.Combine(trained, "model.ckpt"), "--methods", "gradcam", "--dataset", "fashion-scenes",
            "--val-size", "8", "--image-size", "32", "--out", trained);
        Assert.Equal(1, code);
        Assert.Contains($"--out '{trained}' holds the output of apc train (its fingerprint.json); apc evaluate writes into a folder of its own", error);
        Assert.Equal(fingerprint, File.ReadAllText(Path.Combine(trained, RunFolder.FingerprintFile)));
        Assert.False(File.Exists(Path.Combine(trained, "evaluation.json")));
    }

    [Fact]
    public void TheSettingAUserChangedIsNamedBeforeItsConsequences()
    {
        // --match wcam → none, with another teacher file: the matcher's details and the teacher's digest change with it.
        var before = RunFingerprint.Of(new JsonObject
        {
            ["teacher"] = "sha256:aa", ["data"] = new JsonObject { ["files"] = "1,2" },
            ["matching"] = new JsonObject { ["classes"] = "top1", ["drop"] = "0", ["kind"] = "wcam", ["weight"] = "10" },
        });
        var now = RunFingerprint.Of(new JsonObject
        {
            ["teacher"] = "sha256:bb", ["data"] = new JsonObject { ["files"] = "1,3" },
            ["matching"] = new JsonObject { ["classes"] = "null", ["drop"] = "null", ["kind"] = "none", ["weight"] = "null" }, ["epochs"] = 4,
        });
        Assert.Equal(new[]
        {
            "matching.kind: wcam before, none now", "epochs: unset before, 4 now",
            "matching.classes: top1 before, null now", "matching.drop: 0 before, null now", "matching.weight: 10 before, null now",
            "data.files: 1,2 before, 1,3 now", "teacher: sha256:aa before, sha256:bb now",
        }, now.DifferencesFrom(before));
        Assert.StartsWith("matching.kind: wcam before, none now; epochs: unset before, 4 now;", RunFingerprint.Describe(now.DifferencesFrom(before)), StringComparison.Ordinal);
    }

    [Fact]
    public void ClaimRefusesOtherSettingsAndSilentReplacement()
    {
        using var dir = new TempFolder();
        var a = RunFingerprint.Of(new JsonObject { ["bits"] = 8 });
        var b = RunFingerprint.Of(new JsonObject { ["bits"] = 4 });
        RunFolder.Claim(dir.Path, a, FolderReuse.Refuse, new[] { "model.ckpt" });          // empty folder: fine
        File.WriteAllText(dir.File("model.ckpt"), "x");
        Assert.Contains("--resume to continue", Assert.Throws<ApcException>(() => RunFolder.Claim(dir.Path, a, FolderReuse.Refuse, new[] { "model.ckpt" })).Message);
        RunFolder.Claim(dir.Path, a, FolderReuse.Resume, new[] { "model.ckpt" });           // same settings: resumable
        RunFolder.Claim(dir.Path, a, FolderReuse.Recompute, new[] { "model.ckpt" });        // same settings: recomputable
        foreach (var reuse in new[] { FolderReuse.Refuse, FolderReuse.Resume, FolderReuse.Recompute })
        {
            var e = Assert.Throws<ApcException>(() => RunFolder.Claim(dir.Path, b, reuse, new[] { "model.ckpt" }));
            Assert.Contains("bits: 8 before, 4 now", e.Message);
            Assert.Contains("--force", e.Message);
        }
        Assert.Empty(RunFolder.Recorded(dir.Path)!.DifferencesFrom(a));                     // a refusal changes nothing
        RunFolder.Claim(dir.Path, b, FolderReuse.Replace, new[] { "model.ckpt" });
        Assert.Empty(RunFolder.Recorded(dir.Path)!.DifferencesFrom(b));
        File.Delete(dir.File(RunFolder.FingerprintFile));                                   // work without a record of its settings
        Assert.Contains("not recorded", Assert.Throws<ApcException>(() => RunFolder.Claim(dir.Path, a, FolderReuse.Resume, new[] { "model.ckpt" })).Message);
    }

    [Fact]
    public void CompressTwiceIntoOneFolderNeedsForce()
    {
        using var dir = new TempFolder();
        var (code, error) = CompressCli.Run(Kd(dir.Path));
        Assert.True(code == 0, error);
        var bytes = File.ReadAllBytes(dir.File("model.ckpt"));
        (code, error) = CompressCli.Run(Kd(dir.Path));
        Assert.Equal(1, code);
        Assert.Contains("already holds model.ckpt", error);
        Assert.Equal(bytes, File.ReadAllBytes(dir.File("model.ckpt")));
        (code, error) = CompressCli.Run(Kd(dir.Path, "--force", "--resume"));
        Assert.Equal(2, code);
        Assert.Contains("contradict", error);
        var other = Kd(dir.Path, "--force");
        other[Array.IndexOf(other, "wcam")] = "none";
        (code, error) = CompressCli.Run(other);
        Assert.True(code == 0, error);
        Assert.Equal("none", JsonNode.Parse(File.ReadAllText(dir.File("metrics.json")))!["matcher"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("matching.kind: wcam before, none now", "--match", "none")]
    [InlineData("data.train_size: 32 before, 24 now", "--train-size", "24")]
    [InlineData("steps.0.training.epochs: 2 before, 1 now", "--epochs", "1")]
    public void ResumeWithOtherSettingsIsRefused(string difference, string option, string value)
    {
        using var dir = new TempFolder();
        var (code, error) = CompressCli.Run(Kd(dir.Path));
        Assert.True(code == 0, error);
        var args = Kd(dir.Path, "--resume").ToList();
        int at = args.IndexOf(option);
        if (at >= 0) args[at + 1] = value; else args.AddRange(new[] { option, value });
        (code, error) = CompressCli.Run(args.ToArray());
        Assert.Equal(1, code);
        Assert.Contains(difference, error);
        Assert.Contains("--force", error);
        // The same resume with the original settings is accepted.
        (code, error) = CompressCli.Run(Kd(dir.Path, "--resume"));
        Assert.True(code == 0, error);
    }

    [Fact]
    public void TrainResumeWithAnotherLearningRateIsRefused()
    {
        using var dir = new TempFolder();
        Assert.Equal(0, CliRunner.Run(CliRunner.TinyTrain(dir.Path)).Code);
        var (code, error) = CliRunner.Run(CliRunner.TinyTrain(dir.Path, "--resume", "--lr", "0.01"));
        Assert.Equal(1, code);
        Assert.Contains("lr: 0.05 before, 0.01 now", error);
        (code, error) = CliRunner.Run(CliRunner.TinyTrain(dir.Path));
        Assert.Equal(1, code);
        Assert.Contains("--resume to continue", error);
    }

    [Fact]
    public void ExperimentWithChangedQuantizationBitsIsRefusedBeforeAnythingIsWritten()
    {
        using var dir = new TempFolder();
        string Plan(int bits) => $$"""
            { "name": "bits {{bits}}",
              "data": { "train_size": 32, "val_size": 16, "image_size": 32, "batch_size": 16 },
              "teacher": { "checkpoint": "{{cli.TeacherPath}}" },
              "compressions": [ { "method": "quantize", "options": ["--bits", "{{bits}}", "--no-qat", "--calibration-images", "16"] } ],
              "matchers": ["none"],
              "evaluation": { "methods": ["gradcam"], "val_size": 16, "examples": [0] } }
            """;
        File.WriteAllText(dir.File("8.json"), Plan(8));
        File.WriteAllText(dir.File("4.json"), Plan(4));
        var outDir = dir.File("out");
        var (code, error) = CliRunner.Run("experiment", "--config", dir.File("8.json"), "--out", outDir);
        Assert.True(code == 0, error);
        var config = File.ReadAllText(Path.Combine(outDir, "config.json"));
        // The results state the stages' own times, summed from their done markers, also after a rerun that skipped them all.
        var timed = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!;
        var markers = Directory.GetFiles(outDir, "DONE", SearchOption.AllDirectories);
        Assert.Equal(timed["stages"]!.GetValue<int>(), markers.Length);
        Assert.Equal(markers.Length, timed["timed_stages"]!.GetValue<int>());
        var stageSeconds = markers.Sum(m => JsonNode.Parse(File.ReadAllText(m))!["seconds"]!.GetValue<double>());
        Assert.True(stageSeconds > 0);
        Assert.Equal(stageSeconds, timed["stage_seconds"]!.GetValue<double>(), 6);
        (code, error) = CliRunner.Run("experiment", "--config", dir.File("8.json"), "--out", outDir);
        Assert.True(code == 0, error);
        var rerun = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!;
        Assert.Equal(stageSeconds, rerun["stage_seconds"]!.GetValue<double>(), 6);
        Assert.Contains($"The stages took {Apc.Cli.Experiments.ExperimentStatus.Duration(stageSeconds)} in all", File.ReadAllText(Path.Combine(outDir, "results.md")));
        var results = File.ReadAllText(Path.Combine(outDir, "results.md"));

        (code, error) = CliRunner.Run("experiment", "--config", dir.File("4.json"), "--out", outDir);
        Assert.Equal(1, code);
        Assert.Contains("--bits: 8 before, 4 now", error);
        Assert.Contains("--force", error);
        Assert.Equal(config, File.ReadAllText(Path.Combine(outDir, "config.json")));
        Assert.Equal(results, File.ReadAllText(Path.Combine(outDir, "results.md")));

        // The message names the stale stage's folder; removing it redoes that stage (and the stages inside it) alone.
        var stale = System.Text.RegularExpressions.Regex.Match(error, "remove its folder '([^']+)'").Groups[1].Value;
        Assert.Equal(Path.Combine(outDir, "seed-0", "quantize-none"), stale);
        var teacherDone = Directory.GetFiles(Path.Combine(outDir, "seed-0", "teacher"), "DONE", SearchOption.AllDirectories)
            .ToDictionary(f => f, File.ReadAllText);
        Assert.NotEmpty(teacherDone);
        Directory.Delete(stale, recursive: true);
        (code, error) = CliRunner.Run("experiment", "--config", dir.File("4.json"), "--out", outDir);
        Assert.True(code == 0, error);
        foreach (var (marker, content) in teacherDone) Assert.Equal(content, File.ReadAllText(marker)); // not redone
        var run = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")))!["runs"]!.AsArray().Last()!;
        Assert.Equal(4, run["metrics"]!["compression"]!["bits"]!.GetValue<int>());
    }

    [Fact]
    public void ExperimentRefusesAFinishedStageWhoseTeacherChanged()
    {
        using var dir = new TempFolder();
        var teacherCopy = dir.File("teacher.ckpt");
        File.Copy(cli.TeacherPath, teacherCopy);
        File.WriteAllText(dir.File("plan.json"), $$"""
            { "data": { "train_size": 32, "val_size": 16, "image_size": 32, "batch_size": 16 },
              "teacher": { "checkpoint": "{{teacherCopy}}" },
              "compressions": [ { "method": "quantize", "options": ["--no-qat", "--calibration-images", "16"] } ],
              "matchers": ["none"], "evaluation": { "methods": ["gradcam"], "val_size": 16, "examples": [0] } }
            """);
        var outDir = dir.File("out");
        var (code, error) = CliRunner.Run("experiment", "--config", dir.File("plan.json"), "--out", outDir);
        Assert.True(code == 0, error);
        // Another teacher under the same path: every stage that used it is stale.
        Assert.Equal(0, CliRunner.Run(CliRunner.TinyTrain(dir.File("other"), "--seed", "5")).Code);
        File.Copy(Path.Combine(dir.File("other"), "model.ckpt"), teacherCopy, overwrite: true);
        (code, error) = CliRunner.Run("experiment", "--config", dir.File("plan.json"), "--out", outDir);
        Assert.Equal(1, code);
        Assert.Contains("--model: sha256:", error);
    }

    [Fact]
    public void AFingerprintWrittenBeforeTheThreadCountWasRecordedIsTakenAsThisRunsAndAnotherCountIsADifference()
    {
        var now = RunFingerprint.Of(new JsonObject { ["epochs"] = 2, ["threads"] = 2 });
        var old = RunFingerprint.Of(new JsonObject { ["epochs"] = 2 });
        Assert.Empty(now.DifferencesFrom(old));
        Assert.Equal(new[] { KeyValuePair.Create("threads", "2") }, now.Unrecorded(old));
        var oneThread = RunFingerprint.Of(new JsonObject { ["epochs"] = 2, ["threads"] = 1 });
        Assert.Equal(new[] { "threads: 1 before, 2 now" }, now.DifferencesFrom(oneThread));
        Assert.Empty(now.Unrecorded(oneThread));
        // Only a setting added later is lenient: an older fingerprint without the epochs is still a difference.
        Assert.Equal(new[] { "epochs: unset before, 2 now" }, now.DifferencesFrom(RunFingerprint.Of(new JsonObject { ["threads"] = 2 })));
    }

    [Fact]
    public void TrainResumeWithAnotherThreadCountIsRefusedAndACommandWithoutOneUsesTorchsDefault()
    {
        // The thread count changes a training run's weights (docs/experiments.md), so it is part of what made the run.
        using var dir = new TempFolder();
        var one = dir.File("one");
        Assert.Equal(0, CliRunner.Run(CliRunner.TinyTrain(one, "--threads", "1")).Code);
        Assert.Equal("1", RunFolder.Recorded(one)!.Settings["threads"]);
        var (code, error) = CliRunner.Run(CliRunner.TinyTrain(one, "--resume", "--threads", "2"));
        Assert.Equal(1, code);
        Assert.Contains($"--out '{one}' holds a run trained with 1 intra-op thread; this run would use 2", error);
        Assert.Contains("pass --threads 1 to continue it", error);
        Assert.Equal(0, CliRunner.Run(CliRunner.TinyTrain(one, "--resume", "--threads", "1")).Code);
        // A fingerprint written before apc recorded the count is taken as made with this run's, and the run says so.
        var old = dir.File("old");
        Directory.CreateDirectory(old);
        foreach (var file in Directory.GetFiles(one)) File.Copy(file, Path.Combine(old, Path.GetFileName(file)));
        var recorded = JsonNode.Parse(File.ReadAllText(Path.Combine(old, RunFolder.FingerprintFile)))!.AsObject();
        recorded.Remove("threads");
        File.WriteAllText(Path.Combine(old, RunFolder.FingerprintFile), recorded.ToJsonString());
        (code, error) = CliRunner.RunChild(CliRunner.TinyTrain(old, "--resume", "--threads", "2"));
        Assert.True(code == 0, error);
        Assert.Contains($"note: --out '{old}' was made before apc recorded 'threads'; taken as made with this run's (threads 2).", error);
        // Another setting besides the count: the usual list of differences.
        (code, error) = CliRunner.Run(CliRunner.TinyTrain(one, "--resume", "--threads", "2", "--lr", "0.01"));
        Assert.Equal(1, code);
        Assert.Contains("threads: 1 before, 2 now", error);
        // Run after a --threads 1 command in the same process, a command without --threads computes with torch's
        // default, not with the count the earlier command left behind.
        var fresh = dir.File("default");
        Assert.Equal(0, CliRunner.Run(CliRunner.TinyTrain(fresh)).Code);
        Assert.Equal(TorchThreads.Default.ToString(), RunFolder.Recorded(fresh)!.Settings["threads"]);
        Assert.Equal(TorchThreads.Default, TorchSharp.torch.get_num_threads());
    }

    /// <summary>A plan of untrained 4-bit quantization of the test teacher (seconds per stage), for <paramref name="seeds"/>
    /// ("0, 1").</summary>
    string TinyQuantizePlan(string seeds) => $$"""
        { "data": { "train_size": 32, "val_size": 16, "image_size": 32, "batch_size": 16 },
          "teacher": { "checkpoint": "{{cli.TeacherPath}}" },
          "compressions": [ { "method": "quantize", "options": ["--no-qat", "--calibration-images", "16"] } ],
          "matchers": ["none"], "seeds": [{{seeds}}], "evaluation": { "methods": ["gradcam"], "val_size": 16, "examples": [0] } }
        """;

    [Fact]
    public void ExperimentRefusesATrainingStageMadeWithAnotherThreadCountAndReusesOneThatDidNotRecordIt()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("plan.json"), TinyQuantizePlan("0, 1"));
        var outDir = dir.File("out");
        var (code, error) = CliRunner.Run("experiment", "--config", dir.File("plan.json"), "--out", outDir, "--threads", "1");
        Assert.True(code == 0, error);
        var compressDone = Path.Combine(outDir, "seed-0", "quantize-none", "DONE");
        var marker = JsonNode.Parse(File.ReadAllText(compressDone))!;
        Assert.Equal("1", marker["fingerprint"]!["--threads"]!.GetValue<string>());
        var evaluationDone = Path.Combine(outDir, "seed-0", "quantize-none", "evaluation", "DONE");
        Assert.Null(JsonNode.Parse(File.ReadAllText(evaluationDone))!["fingerprint"]!["--threads"]); // an evaluation's numbers do not depend on it

        (code, error) = CliRunner.Run("experiment", "--config", dir.File("plan.json"), "--out", outDir, "--threads", "2");
        Assert.Equal(1, code);
        Assert.Contains("stage 'seed 0: compress quantize with none' trained with 1 thread, this run would use 2", error);
        Assert.Contains("rerun with --threads 1 to continue the plan", error);
        // --status shows each training stage's count beside its time, and no count for an evaluation.
        var status = Apc.Cli.Experiments.ExperimentStatus.Read(outDir);
        Assert.Matches("^took .+, trained with 1 thread$", status.Single(r => r.Id == "s0-quantize-none").Detail);
        Assert.DoesNotContain("thread", status.Single(r => r.Id == "s0-quantize-none-eval").Detail);

        // Collecting trains nothing: it checks the stages against the count they trained with, one for all of them.
        // It writes the plan as config.json, as a run does, so that --status reads a folder of stages linked together.
        File.Delete(Path.Combine(outDir, "config.json"));
        (code, error) = CliRunner.Run("experiment", "--config", dir.File("plan.json"), "--out", outDir, "--collect");
        Assert.True(code == 0, error);
        Assert.Equal(status.Select(r => r.Id), Apc.Cli.Experiments.ExperimentStatus.Read(outDir).Select(r => r.Id));
        var mixed = (JsonNode)marker.DeepClone();
        mixed["fingerprint"]!["--threads"] = "2";
        File.WriteAllText(compressDone, mixed.ToJsonString());
        var collected = File.ReadAllText(Path.Combine(outDir, "results.json"));
        (code, error) = CliRunner.Run("experiment", "--config", dir.File("plan.json"), "--out", outDir, "--collect");
        Assert.Equal(1, code);
        Assert.Contains("its training stages ran with different thread counts (1 stage with 2; 1 stage with 1: 'seed 1: compress quantize with none')", error);
        Assert.Contains("delete the folders of the stages named here and run the plan again with --threads 2", error);
        // The refused collection writes nothing, and says that the results in the folder are the earlier collection's.
        Assert.Contains("Nothing was collected: results.json, results.md and report.html in it are an earlier collection's.", error);
        Assert.Equal(collected, File.ReadAllText(Path.Combine(outDir, "results.json")));

        // Markers written before apc recorded the count: reused (with a note), not redone.
        foreach (var done in new[] { compressDone, compressDone.Replace("seed-0", "seed-1") })
        {
            var old = JsonNode.Parse(File.ReadAllText(done))!;
            old["fingerprint"]!.AsObject().Remove("--threads");
            File.WriteAllText(done, old.ToJsonString());
        }
        var markers = Directory.GetFiles(outDir, "DONE", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllText);
        (code, error) = CliRunner.RunChild("experiment", "--config", dir.File("plan.json"), "--out", outDir, "--threads", "2");
        Assert.True(code == 0, error);
        Assert.Contains($"note: 2 finished training stages in '{outDir}' ran before apc recorded the thread count; reused as made with this run's (2 threads)", error);
        foreach (var (path, content) in markers) Assert.Equal(content, File.ReadAllText(path));
    }

    [Fact]
    public void AnExperimentFolderAndAnotherCommandsFolderRefuseEachOther()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("plan.json"), TinyQuantizePlan("0"));
        // An experiment into a compression's folder is refused before any stage runs, and the folder is left as it was.
        var compressed = dir.File("compressed");
        Directory.CreateDirectory(compressed);
        var compressFingerprint = Apc.Cli.Commands.RunFingerprints.Merge("compress", new JsonObject { ["method"] = "kd" });
        File.WriteAllText(Path.Combine(compressed, "fingerprint.json"), compressFingerprint.ToJson().ToJsonString());
        var (code, error) = CliRunner.Run("experiment", "--config", dir.File("plan.json"), "--out", compressed);
        Assert.Equal(1, code);
        Assert.Contains($"--out '{compressed}' holds the output of apc compress (its fingerprint.json); apc experiment writes into a folder of its own", error);
        Assert.Equal(new[] { "fingerprint.json" }, Directory.GetFileSystemEntries(compressed).Select(Path.GetFileName));

        // An experiment's folder is marked as such when the plan is written, so another command will not write beside its stages.
        var study = dir.File("study");
        Apc.Cli.Experiments.ExperimentRunner.CheckFolder(study);
        Apc.Cli.Experiments.ExperimentRunner.WriteConfig(new Apc.Cli.Experiments.ExperimentConfig(), study);
        (code, error) = CliRunner.Run(CliRunner.TinyTrain(study));
        Assert.Equal(1, code);
        Assert.Contains($"--out '{study}' holds the output of apc experiment (its fingerprint.json); apc train writes into a folder of its own", error);
        Assert.False(File.Exists(Path.Combine(study, "model.ckpt")));
        // ... and an experiment may come back to it.
        Apc.Cli.Experiments.ExperimentRunner.CheckFolder(study);
    }
}
