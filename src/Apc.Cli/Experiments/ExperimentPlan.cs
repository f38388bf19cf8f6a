namespace Apc.Cli.Experiments;

/// <summary>One step of an experiment: an apc command line and the file whose presence means it is done. <see cref="Id"/>
/// is a short name (a Slurm job's name, a script's file name); <see cref="Needs"/> are the ids of the stages whose outputs
/// this one reads (a Slurm job's afterok dependencies).</summary>
public sealed record ExperimentStage(string Id, string Label, string[] Arguments, string DoneMarker, double Weight, IReadOnlyList<string> Needs);

/// <summary>One row of the results: a model in one seed (the teacher or a compressed variant). <see cref="DeployedFolder"/>
/// holds its ONNX export and that file's evaluation when the plan deploys (null otherwise).</summary>
public sealed record ExperimentRun(int Seed, string Compression, string Method, string Matcher, string Folder, string ModelPath, string EvaluationPath,
    string? DeployedFolder = null);

/// <summary>Turns a config into the ordered list of stages (train, evaluate, compress, evaluate, ...).</summary>
public static class ExperimentPlan
{
    public static (List<ExperimentStage> Stages, List<ExperimentRun> Runs) Build(ExperimentConfig config, string outDir, string device, int threads)
    {
        var stages = new List<ExperimentStage>();
        var runs = new List<ExperimentRun>();
        var d = config.Data;
        // The teacher's maps, computed once and read by every evaluation against the same teacher (keyed by its checksum).
        var referenceMaps = Path.Combine(outDir, "reference-maps");
        string[] Common(int seed) => new[] { "--device", device, "--threads", threads.ToString(), "--seed", seed.ToString() };
        string[] Data(int? valSize, int? trainSize = null)
        {
            var a = new List<string> { "--dataset", d.Dataset, "--batch-size", d.BatchSize.ToString() };
            if (d.DataRoot is not null) a.AddRange(new[] { "--data-root", d.DataRoot });
            if ((trainSize ?? d.TrainSize) is { } t) a.AddRange(new[] { "--train-size", t.ToString() });
            if ((valSize ?? d.ValSize) is { } v) a.AddRange(new[] { "--val-size", v.ToString() });
            if (d.ImageSize is { } s) a.AddRange(new[] { "--image-size", s.ToString() });
            return a.ToArray();
        }
        string[] Evaluate(string model, string? reference, string evalDir, int seed)
        {
            var a = new List<string> { "evaluate", "--model", model, "--methods", string.Join(',', config.Evaluation.Methods), "--out", evalDir };
            if (reference is not null) a.AddRange(new[] { "--reference", reference, "--reference-maps", referenceMaps });
            if (!config.Evaluation.OnTestSplit) return a.Concat(Data(config.Evaluation.ValSize)).Concat(Common(seed)).ToArray();
            a.AddRange(new[] { "--split", "test" });
            if (config.Evaluation.ValSize is { } n) a.AddRange(new[] { "--test-size", n.ToString() });
            return a.Concat(Data(null)).Concat(Common(seed)).ToArray();
        }

        // Export to ONNX, then evaluate the exported file against the teacher: two stages after the model's own.
        string? Deploy(int seed, string id, string model, string runDir, string teacher, IReadOnlyList<string> needs)
        {
            if (config.Deployment is not { } deploy) return null;
            var dir = Path.Combine(runDir, "deployed");
            var onnx = Path.Combine(dir, "model.onnx");
            stages.Add(new ExperimentStage($"{id}-export", $"seed {seed}: export {id} to ONNX",
                new[] { "export", "--model", model, "--out", onnx, "--force", "--time", "--summary", Path.Combine(dir, "export.json"),
                        "--device", device, "--threads", threads.ToString() },
                Path.Combine(dir, "DONE"), 0.5, needs));
            var evalDir = Path.Combine(dir, "evaluation");
            var a = new List<string> { "evaluate", "--model", onnx, "--reference", teacher, "--reference-maps", referenceMaps, "--methods", string.Join(',', deploy.Methods) };
            if (deploy.Methods.Contains("occlusion")) a.AddRange(["--patch", deploy.Patch.ToString(), "--stride", deploy.Stride.ToString()]);
            a.AddRange(["--out", evalDir]);
            if (config.Evaluation.OnTestSplit) a.AddRange(new[] { "--split", "test", "--test-size", deploy.Images.ToString() });
            stages.Add(new ExperimentStage($"{id}-deployed-eval", $"seed {seed}: evaluate the exported {id}",
                a.Concat(Data(config.Evaluation.OnTestSplit ? null : deploy.Images)).Concat(Common(seed)).ToArray(),
                Path.Combine(evalDir, "DONE"), 0.5, needs.Append($"{id}-export").ToArray()));
            return dir;
        }

        foreach (var seed in config.Seeds)
        {
            var seedDir = Path.Combine(outDir, $"seed-{seed}");
            var teacherDir = Path.Combine(seedDir, "teacher");
            string teacher;
            string[] teacherNeeds = Array.Empty<string>();
            if (config.Teacher.Checkpoint is { } given)
            {
                teacher = Path.GetFullPath(given);
            }
            else
            {
                teacher = Path.Combine(teacherDir, "model.ckpt");
                var t = config.Teacher;
                teacherNeeds = new[] { $"s{seed}-teacher" };
                stages.Add(new ExperimentStage(teacherNeeds[0], $"seed {seed}: train teacher {t.Arch}",
                    new[] { "train", "--arch", t.Arch, "--epochs", t.Epochs.ToString(), "--lr", t.Lr.ToString(System.Globalization.CultureInfo.InvariantCulture),
                            "--lr-steps", t.LrSteps, "--out", teacherDir, "--resume" }.Concat(Data(null, t.TrainSize)).Concat(Common(seed)).ToArray(),
                    Path.Combine(teacherDir, "DONE"), 4, Array.Empty<string>()));
            }
            var teacherEval = Path.Combine(teacherDir, "evaluation");
            stages.Add(new ExperimentStage($"s{seed}-teacher-eval", $"seed {seed}: evaluate teacher", Evaluate(teacher, null, teacherEval, seed),
                Path.Combine(teacherEval, "DONE"), 1, teacherNeeds));
            var teacherDeployed = Deploy(seed, $"s{seed}-teacher", teacher, teacherDir, teacher, teacherNeeds);
            runs.Add(new ExperimentRun(seed, "teacher", "teacher", "-", teacherDir, teacher, Path.Combine(teacherEval, "evaluation.json"), teacherDeployed));

            foreach (var c in config.Compressions)
                foreach (var m in config.MatchersOf(c))
                {
                    var label = $"{c.Name}-{ExperimentConfig.MatcherLabel(m)}";
                    var runDir = Path.Combine(seedDir, label);
                    var model = Path.Combine(runDir, "model.ckpt");
                    var compressId = $"s{seed}-{label}";
                    stages.Add(new ExperimentStage(compressId, $"seed {seed}: compress {c.Name} with {m}",
                        new[] { "compress", c.Method, "--teacher", teacher, "--out", runDir, "--resume" }
                            .Concat(ExperimentConfig.MatcherArgs(m))
                            .Concat(config.MatchLayers is not null && m != "none" && !m.Contains(":layers=") ? new[] { "--match-layers", config.MatchLayers } : Array.Empty<string>())
                            .Concat((c.MatchWeight ?? config.MatchWeight) is { } beta && m != "none" && !m.Contains(":weight=")
                                ? new[] { "--match-weight", beta.ToString(System.Globalization.CultureInfo.InvariantCulture) } : Array.Empty<string>())
                            .Concat(c.Options).Concat(Data(null)).Concat(Common(seed)).ToArray(),
                        Path.Combine(runDir, "DONE"), 3, teacherNeeds));
                    var evalDir = Path.Combine(runDir, "evaluation");
                    stages.Add(new ExperimentStage($"{compressId}-eval", $"seed {seed}: evaluate {label}", Evaluate(model, teacher, evalDir, seed),
                        Path.Combine(evalDir, "DONE"), 1, teacherNeeds.Append(compressId).ToArray()));
                    var deployed = Deploy(seed, compressId, model, runDir, teacher, teacherNeeds.Append(compressId).ToArray());
                    runs.Add(new ExperimentRun(seed, c.Name, c.Method, m, runDir, model, Path.Combine(evalDir, "evaluation.json"), deployed));
                }
        }
        return (stages, runs);
    }
}
