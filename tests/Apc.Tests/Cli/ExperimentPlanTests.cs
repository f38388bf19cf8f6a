using Apc.Cli.Experiments;

namespace Apc.Tests.Cli;

/// <summary>The stage command lines a plan builds from its config.</summary>
public class ExperimentPlanTests
{
    static string? Beta(IReadOnlyList<string> args)
    {
        int i = args.ToList().IndexOf("--match-weight");
        return i < 0 ? null : args[i + 1];
    }

    [Fact]
    public void ACompressionsOwnMatchWeightOverridesThePlansAndAMatchersOwnWinsOverBoth()
    {
        var config = new ExperimentConfig
        {
            Teacher = new ExperimentConfig.TeacherSection { Checkpoint = "teacher.ckpt" },
            Compressions =
            [
                new ExperimentConfig.CompressionSection { Method = "kd", MatchWeight = 3 },
                new ExperimentConfig.CompressionSection { Method = "structured" },
            ],
            Matchers = ["none", "wcam", "at:weight=7"],
            MatchWeight = 10,
            Seeds = [0],
        };
        var (stages, _) = ExperimentPlan.Build(config, "out", "cpu", 1);
        string? Of(string id) => Beta(stages.Single(s => s.Id == id).Arguments);

        Assert.Null(Of("s0-kd-none"));
        Assert.Equal("3", Of("s0-kd-wcam"));
        Assert.Equal("10", Of("s0-structured-wcam"));
        // The matcher's own weight is passed by the matcher's arguments, not replaced.
        var at = stages.Single(s => s.Id.StartsWith("s0-kd-at", StringComparison.Ordinal) && !s.Id.EndsWith("-eval", StringComparison.Ordinal)).Arguments;
        Assert.Equal(1, at.Count(a => a == "--match-weight"));
        Assert.Equal("7", Beta(at));
    }

    [Fact]
    public void TheStudysKdMatchesAtItsOwnBetaAndEveryOtherCompressionAtThePlans()
    {
        var study = DemoConfigs.Study([0], retrainTeacher: false);
        Assert.Equal(DemoConfigs.KdMatchWeight, study.Compressions.Single(c => c.Method == "kd").MatchWeight);
        Assert.All(study.Compressions.Where(c => c.Method != "kd"), c => Assert.Null(c.MatchWeight));
        Assert.Equal(DemoConfigs.MatchWeight, study.MatchWeight);
        // apc demo --match-weight 100: every matcher of every compression at 100.
        var (stages, _) = ExperimentPlan.Build(DemoConfigs.WithMatchWeight(study, 100), "out", "cpu", 1);
        Assert.All(stages.Where(s => s.Arguments.Contains("--match") && !s.Arguments.Contains("none")), s => Assert.Equal("100", Beta(s.Arguments)));
    }

    [Fact]
    public void TheDemoPlansEvaluateOnTheHeldOutTestSplitAndOnlyEvaluationReadsIt()
    {
        foreach (var config in new[] { DemoConfigs.Study([0], false), DemoConfigs.Full([0]), DemoConfigs.Quick([0]) })
        {
            var (stages, _) = ExperimentPlan.Build(config, "out", "cpu", 1);
            var evaluations = stages.Where(s => s.Arguments[0] == "evaluate").ToList();
            Assert.NotEmpty(evaluations);
            Assert.All(evaluations, s =>
            {
                var a = s.Arguments.ToList();
                Assert.Equal("test", a[a.IndexOf("--split") + 1]);
                bool deployed = a[a.IndexOf("--model") + 1].EndsWith(".onnx", StringComparison.Ordinal);
                Assert.Equal((deployed ? config.Deployment!.Images : config.Evaluation.ValSize).ToString(), a[a.IndexOf("--test-size") + 1]);
            });
            // Training and compression select their best epoch on the validation split and never see the test split.
            Assert.All(stages.Except(evaluations), s => Assert.DoesNotContain("--split", s.Arguments));
            Assert.All(stages.Except(evaluations), s => Assert.DoesNotContain("--test-size", s.Arguments));
            Assert.Contains("held-out test split", config.Evaluation.SplitSentence, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void APlanWithoutASplitEvaluatesOnValidationAsBefore()
    {
        var config = new ExperimentConfig
        {
            Teacher = new ExperimentConfig.TeacherSection { Checkpoint = "teacher.ckpt" },
            Compressions = [new ExperimentConfig.CompressionSection { Method = "structured" }],
            Matchers = ["none"],
            Evaluation = new ExperimentConfig.EvaluationSection { ValSize = 50 },
            Seeds = [0],
        };
        var (stages, _) = ExperimentPlan.Build(config, "out", "cpu", 1);
        Assert.All(stages.Where(s => s.Arguments[0] == "evaluate"), s =>
        {
            var a = s.Arguments.ToList();
            Assert.DoesNotContain("--split", a);
            Assert.Equal("50", a[a.IndexOf("--val-size") + 1]);
        });
    }

    [Fact]
    public void ADeployingPlanExportsEveryModelAndEvaluatesTheFileAgainstTheTeacher()
    {
        var config = DemoConfigs.Quick([0]);
        var (stages, runs) = ExperimentPlan.Build(config, "out", "cpu", 1);
        Assert.All(runs, run =>
        {
            Assert.NotNull(run.DeployedFolder);
            string onnx = Path.Combine(run.DeployedFolder!, "model.onnx");
            var export = stages.Single(s => s.Arguments[0] == "export" && s.Arguments.Contains(run.ModelPath));
            Assert.Equal(onnx, export.Arguments[export.Arguments.ToList().IndexOf("--out") + 1]);
            Assert.Contains("--time", export.Arguments);
            var evaluate = stages.Single(s => s.Arguments[0] == "evaluate" && s.Arguments.Contains(onnx));
            var a = evaluate.Arguments.ToList();
            Assert.Equal(ShippedTeacher.Path, a[a.IndexOf("--reference") + 1]);
            Assert.Equal("occlusion", a[a.IndexOf("--methods") + 1]);
            Assert.Equal("16", a[a.IndexOf("--test-size") + 1]);
            // The file is evaluated only after it was written, and exported only after its checkpoint was.
            Assert.Contains(export.Id, evaluate.Needs);
            Assert.True(stages.IndexOf(export) < stages.IndexOf(evaluate));
            var options = a.Where(x => x.StartsWith("--", StringComparison.Ordinal)).ToList();
            Assert.Equal(options.Count, options.Distinct().Count()); // no option given twice
        });
        // Every evaluation against the teacher shares one folder of the teacher's maps; where it lies is not part of the stage.
        var againstTeacher = stages.Where(s => s.Arguments[0] == "evaluate" && s.Arguments.Contains("--reference")).ToList();
        Assert.Equal(2 * runs.Count(r => r.Compression != "teacher"), againstTeacher.Count - 1); // + the exported teacher's
        Assert.All(againstTeacher, s => Assert.Equal(Path.Combine("out", "reference-maps"), s.Arguments[s.Arguments.ToList().IndexOf("--reference-maps") + 1]));
        Assert.DoesNotContain("--reference-maps", stages.Single(s => s.Id == "s0-teacher-eval").Arguments);
        var evalArgs = againstTeacher[0].Arguments.ToArray();
        var elsewhere = evalArgs.Select((x, i) => i > 0 && evalArgs[i - 1] == "--reference-maps" ? "/elsewhere" : x).ToArray();
        Assert.Empty(StageFingerprint.Of(elsewhere).DifferencesFrom(StageFingerprint.Of(evalArgs)));
        // A plan without a deployment section has no such stages (older configs run as before).
        var (plain, plainRuns) = ExperimentPlan.Build(config with { Deployment = null }, "out", "cpu", 1);
        Assert.DoesNotContain(plain, s => s.Arguments[0] == "export");
        Assert.All(plainRuns, r => Assert.Null(r.DeployedFolder));
        // --force on a stage that already forces is not repeated (Spectre refuses a repeated option).
        var forced = StageJob.Forced(stages.First(s => s.Arguments[0] == "export").Arguments);
        Assert.Equal(1, forced.Count(x => x == "--force"));
        // Where the summary is written is not part of what the stage is.
        var args = stages.First(s => s.Arguments[0] == "export").Arguments.ToArray();
        var moved = args.Select((x, i) => i > 0 && args[i - 1] == "--summary" ? "elsewhere.json" : x).ToArray();
        Assert.Empty(StageFingerprint.Of(moved).DifferencesFrom(StageFingerprint.Of(args)));
        // Nor is how much it says on an error: -v is --verbose.
        Assert.Empty(StageFingerprint.Of(args.Append("-v").ToArray()).DifferencesFrom(StageFingerprint.Of(args)));
        Assert.Empty(StageFingerprint.Of(args.Append("--verbose").ToArray()).DifferencesFrom(StageFingerprint.Of(args)));
    }

    /// <summary>A stage resumes only a run that is there: with no fingerprint.json in its --out the command runs without
    /// --resume (so it does not report that there was nothing to resume); with one it keeps --resume. Same stage either way.</summary>
    [Fact]
    public void AStageResumesOnlyARunThatIsThere()
    {
        using var dir = new TempFolder();
        var stage = new[] { "compress", "kd", "--resume", "--epochs", "2", "--out", dir.File("kd") };
        Assert.Equal(stage.Where(a => a != "--resume"), StageJob.WithoutResumeOfNothing(stage));
        Directory.CreateDirectory(dir.File("kd"));
        Assert.DoesNotContain("--resume", StageJob.WithoutResumeOfNothing(stage));
        File.WriteAllText(Path.Combine(dir.File("kd"), "fingerprint.json"), "{}");
        Assert.Equal(stage, StageJob.WithoutResumeOfNothing(stage));
        Assert.Empty(StageFingerprint.Of(stage).DifferencesFrom(StageFingerprint.Of(StageJob.WithoutResumeOfNothing(stage.Where(a => a != "--resume").ToArray()))));
        var noOut = new[] { "evaluate", "--resume" };
        Assert.Equal(noOut, StageJob.WithoutResumeOfNothing(noOut));
    }

    [Fact]
    public void ThePlanAsWrittenToTheOutputFolderLoadsBackAsTheSamePlan()
    {
        // The Slurm collect job and --status read OUT/config.json; derived properties must not be written into it.
        using var dir = new TempFolder();
        var quick = DemoConfigs.Quick([0]);
        var first = quick.Compressions[0];
        var withControl = quick with
        {
            Compressions = [.. quick.Compressions, first with { Label = "control", Matchers = ["none"] }],
            Comparisons = [new ExperimentConfig.ComparisonSection { Model = $"{first.Name}/wcam", Baseline = "control/none", Title = "WCAM − control" }],
        };
        foreach (var config in new[] { DemoConfigs.Study([0, 1], false), DemoConfigs.Full([0]), quick, withControl })
        {
            ExperimentRunner.WriteConfig(config, dir.Path);
            var back = ExperimentConfig.Load(Path.Combine(dir.Path, "config.json"));
            Assert.Equal(System.Text.Json.JsonSerializer.Serialize(config, ExperimentConfig.Options),
                System.Text.Json.JsonSerializer.Serialize(back, ExperimentConfig.Options));
            Assert.Equal(config.Evaluation.Split, back.Evaluation.Split);
            Assert.Equal(config.Deployment!.Images, back.Deployment!.Images);
            Assert.Equal(config.Comparisons, back.Comparisons);
            Assert.Equal(config.Compressions.Select(c => c.Matchers is null ? "" : string.Join(',', c.Matchers)),
                back.Compressions.Select(c => c.Matchers is null ? "" : string.Join(',', c.Matchers)));
        }
    }

    /// <summary>A kd student whose matched map differs in size from the teacher's (the shipped teacher skips stage 4's
    /// max-pool; this student does not) is refused when the plan is read, before any stage runs or any folder is made,
    /// naming the stage, the sizes and the student spec that fits. The same plan without matching is accepted.</summary>
    [Fact]
    public void AKdStudentOfAnotherGeometryFailsThePlanBeforeAnyStageRuns()
    {
        using var dir = new TempFolder();
        ExperimentConfig Plan(params string[] matchers) => new()
        {
            Teacher = new ExperimentConfig.TeacherSection { Checkpoint = ShippedTeacher.Path },
            Compressions = [new ExperimentConfig.CompressionSection { Method = "kd", Options = ["--student", "vgg16-bn:w=1/24", "--epochs", "1"] }],
            Matchers = [.. matchers],
            Seeds = [0],
        };
        var error = Assert.Throws<Apc.ApcException>(() => Plan("none", "wcam").Validate("plan.json"));
        Assert.Equal("experiment config 'plan.json': stage 'seed 0: compress kd with wcam' would fail: the default matching layer " +
            "(the last pool: pool5, features.43 in the teacher) is 4x4 in the teacher (vgg16-bn:w=1/4:skip-pools=4) but 2x2 in the " +
            "student (vgg16-bn:w=1/24); matched maps must have the same spatial size; the teacher skips the max-pool of stage 4: " +
            "give the student the same, e.g. --student vgg16-bn:w=1/24:skip-pools=4 (in: apc compress kd --teacher " +
            $"{ShippedTeacher.Path} --out OUT/seed-0/kd-wcam --resume --match wcam --student vgg16-bn:w=1/24 --epochs 1 " +
            "--dataset fashion-scenes --batch-size 64 --seed 0).", error.Message);
        Plan("none").Validate("plan.json");
        var (code, message) = CliRunner.Run("experiment", "--config", WritePlan(dir, Plan("none", "at")), "--out", dir.File("out"));
        Assert.Equal(1, code);
        Assert.Contains("stage 'seed 0: compress kd with at' would fail", message);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    /// <summary>The layer-weight form docs/experiment-example.json shows: layers joined by '+', each with its weight
    /// after ':', though ':' also separates a matcher's options.</summary>
    [Fact]
    public void AMatchersLayersTakeWeightsAsMatchLayersDoes()
    {
        Assert.Equal(["--match", "wcam", "--match-layers", "pool5:1,relu5_3:0.5", "--match-weight", "10"],
            ExperimentConfig.MatcherArgs("wcam:layers=pool5:1+relu5_3:0.5:weight=10"));
        Assert.Equal(["--match", "wcam", "--match-layers", "relu5_3:1"], ExperimentConfig.MatcherArgs("wcam:layers=relu5_3:1"));
        Assert.Equal(["--match", "at", "--match-layers", "relu5_3", "--match-weight", "40"], ExperimentConfig.MatcherArgs("at:layers=relu5_3:weight=40"));
        // A part without '=' anywhere else is still an error.
        Assert.Throws<Apc.UsageException>(() => ExperimentConfig.MatcherArgs("wcam:weight=10:1"));
        // The run folder's name stays a plain name.
        Assert.Equal("wcam-layerspool5-1+relu5_3-0.5", ExperimentConfig.MatcherLabel("wcam:layers=pool5:1+relu5_3:0.5"));
    }

    static string WritePlan(TempFolder dir, ExperimentConfig config)
    {
        var path = dir.File("plan.json");
        File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(config, ExperimentConfig.Options));
        return path;
    }
}
