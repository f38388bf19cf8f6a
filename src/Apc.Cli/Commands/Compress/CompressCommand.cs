using System.Text.Json;
using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Cli.Settings;
using Apc.Cli.Terminal;
using Apc.Compression;
using Apc.Data;
using Apc.Matching;
using Apc.Models;
using Apc.Training;
using Apc.Util;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Cli.Commands;

/// <summary>apc compress METHOD: compresses a teacher checkpoint with distillation, pruning, quantization or a
/// pipeline of them, matching attributions to the teacher; writes OUT/model.ckpt and OUT/metrics.json and prints a
/// teacher-versus-compressed table (or, with --format json, metrics.json's content on stdout). One command type for
/// every method; <typeparamref name="TSettings"/> says which options the method has.</summary>
public sealed class CompressCommand<TSettings> : Command<TSettings> where TSettings : CompressSettings
{
    public override int Execute(CommandContext context, TSettings settings, CancellationToken cancellationToken)
    {
        // Everything that can be checked without loading anything comes first, so that a typo fails at once.
        var method = settings.Method;
        var methods = settings.Methods;
        var format = settings.OutputFormat;
        var matcherOptions = settings.ToMatcherOptions();
        settings.CheckedLatencyRepeats();
        var steps = CompressStages.Steps(settings);
        var outDir = settings.OutDir;
        var reuse = RunFingerprints.Reuse(settings.Resume, settings.Force);
        AtomicFile.EnsureWritableFolder(outDir);
        var device = DeviceParser.Parse(settings.Device);
        TorchThreads.Apply(settings.Threads);
        // With --format json stdout carries the JSON alone; the progress and the messages go to stderr.
        var console = ConsoleFor.Format(format);

        using var teacherCheckpoint = ModelLoading.Load(settings.Teacher, settings.Device, "--teacher");
        var teacher = teacherCheckpoint.Model;
        var info = teacherCheckpoint.Info;
        var dataOptions = settings.ToDataOptions() with { ImageSize = settings.ImageSize ?? info.ImageSize };
        var data = DatasetFactory.Open(dataOptions);
        CheckDataMatchesTeacher(data, info, settings);
        foreach (var layer in matcherOptions.EffectiveLayers)
            if (layer.Layer != LayerWeight.Default && matcherOptions.Kind != MatchingKind.None) teacher.ResolveLayer(layer.Layer);
        var matcher = Matchers.Create(matcherOptions);
        if (matcher is MapMatcher map && map.SinglePositionLayers(teacher) is { Count: > 0 } flat)
            Console.Error.WriteLine($"warning: --match-layers: {string.Join(", ", flat)} of {info.Arch} gives a 1x1 map at {info.ImageSize} px; a map of one " +
                "value is the same for every network once normalised, so matching there changes nothing. Match an earlier layer or use larger images.");

        var config = new JsonObject
        {
            ["method"] = method,
            ["stages"] = new JsonArray(methods.Select(m => (JsonNode)m).ToArray()),
            ["teacher"] = Path.GetFullPath(settings.Teacher),
            ["dataset"] = settings.Dataset,
            ["train_size"] = data.Train.Count,
            ["val_size"] = data.Val.Count,
            ["image_size"] = data.Train.Shape.Height,
            ["matching"] = matcherOptions.ToJson(),
            ["steps"] = new JsonArray(steps.Select(s => (JsonNode)new JsonObject
            {
                ["method"] = s.Stage.Method,
                ["options"] = s.Config?.DeepClone(),
                ["training"] = JsonSerializer.SerializeToNode(s.Training, CheckpointFile.Json),
            }).ToArray()),
        };
        RunFolder.Claim(outDir, Fingerprint(method, methods, matcherOptions, steps, settings, dataOptions, data), reuse, Outputs(outDir));
        var provenance = CheckpointInfo.MakeProvenance(Apc.Util.CommandLine.Format(context.Arguments.Prepend("apc")), settings.Seed, config);
        var template = new CheckpointInfo(method, info.Arch, info.InChannels, info.NumClasses, info.ImageSize, info.ClassNames,
            info.Normalization, settings.Dataset, provenance, new JsonObject());

        console.MarkupLine($"Compressing [bold]{Markup.Escape(info.Arch)}[/] ({teacher.ParameterCount():N0} parameters) with " +
            $"[bold]{Markup.Escape(string.Join(" → ", methods))}[/], matching [bold]{Markup.Escape(matcher.Name)}[/], on " +
            $"{Markup.Escape(data.Train.Name)} ({data.Train.Count} train, {data.Val.Count} val).");

        var stageMetrics = new JsonArray();
        ICompressionStage stage = method == CompressStages.Pipeline
            ? new CompressionPipeline(steps) { StepFinished = (i, step, r) => stageMetrics.Add(StageSummary(i, step, r, data.Val, settings, device)) }
            : steps[0].Stage;
        // A pruned input keeps its zeros through this run too (masks travel with the model; docs/compression.md).
        var inputMasks = WeightMasks.FromExtra(teacherCheckpoint.Extra);
        var stageContext = new StageContext(teacher, teacher, data, matcher, steps[0].Training, outDir, template, reuse == FolderReuse.Resume,
            Masks: inputMasks.Count > 0 ? inputMasks : null);
        var result = ProgressTrainingMonitor.Run(console, method, monitor => stage.Run(stageContext with { Monitor = monitor }));
        try
        {
            var modelPath = Path.Combine(outDir, "model.ckpt");
            if (Path.GetFullPath(result.CheckpointPath) != Path.GetFullPath(modelPath)) File.Copy(result.CheckpointPath, modelPath, overwrite: true);
            var metrics = Report(method, matcherOptions, settings.Teacher, teacher, result, modelPath, data, settings, device, stageMetrics, provenance);
            AtomicFile.WriteJson(Path.Combine(outDir, "metrics.json"), metrics);
            if (format == OutputFormat.Json) ConsoleFor.WriteJson(metrics);
            else CompressTable.Write(console, metrics);
            console.MarkupLine($"Compressed model: [bold]{Markup.Escape(modelPath)}[/]; metrics in {Markup.Escape(Path.Combine(outDir, "metrics.json"))}.");
        }
        finally
        {
            if (!ReferenceEquals(result.Model, teacher)) result.Model.Dispose();
            foreach (var t in result.Extra.Values) t.Dispose();
        }
        return 0;
    }

    /// <summary>Everything that determines the compressed model: the method and its stages with their options and
    /// schedules, the matcher, the teacher's and a student checkpoint's content, and the data.</summary>
    static RunFingerprint Fingerprint(string method, IReadOnlyList<string> methods, MatcherOptions matcherOptions, IReadOnlyList<PipelineStep> steps,
        TSettings settings, DataOptions dataOptions, DataSplits data)
    {
        var what = new JsonObject
        {
            ["method"] = method,
            ["stages"] = string.Join(",", methods),
            ["teacher"] = RunFingerprints.Checkpoint(settings.Teacher),
            ["matching"] = matcherOptions.ToJson(),
            ["steps"] = new JsonArray(steps.Select(s => (JsonNode)new JsonObject
            {
                ["method"] = s.Stage.Method,
                ["options"] = s.Config?.DeepClone(),
                ["training"] = RunFingerprints.Training(s.Training),
            }).ToArray()),
        };
        if (methods.Contains("kd") && settings is IKdOptions { Student: { } student } && File.Exists(student)) what["student_checkpoint"] = RunFingerprints.Checkpoint(student);
        return RunFingerprints.Merge("compress", what, RunFingerprints.Threads(settings.Threads), RunFingerprints.Data(dataOptions, data, settings.BatchSize, settings.Device));
    }

    /// <summary>What a compress run leaves in its folder.</summary>
    static string[] Outputs(string outDir) =>
        new[] { "model.ckpt", "train-state.ckpt", "metrics.json" }
            .Concat(Directory.GetDirectories(outDir, "stage-*").Select(d => Path.GetFileName(d))).ToArray();

    /// <summary>The data must be what the teacher was trained for: same classes in the same order, same input shape.</summary>
    static void CheckDataMatchesTeacher(DataSplits data, CheckpointInfo info, TSettings settings)
    {
        var train = data.Train;
        if (!train.ClassNames.SequenceEqual(info.ClassNames))
            throw new ApcException($"--dataset {settings.Dataset}: its {train.ClassNames.Count} classes ({Preview(train.ClassNames)}) are not the " +
                $"{info.NumClasses} classes of teacher '{settings.Teacher}' ({Preview(info.ClassNames)}).");
        if (train.Shape.Channels != info.InChannels || train.Shape.Height != info.ImageSize || train.Shape.Width != info.ImageSize)
            throw new ApcException($"--dataset {settings.Dataset}: images are {train.Shape} but teacher '{settings.Teacher}' expects " +
                $"{info.InChannels}x{info.ImageSize}x{info.ImageSize} (leave --image-size unset to use the teacher's).");

        static string Preview(IReadOnlyList<string> names) => string.Join(", ", names.Take(5)) + (names.Count > 5 ? ", ..." : "");
    }

    static JsonObject Report(string method, MatcherOptions matcherOptions, string teacherPath, ClassifierNet teacher, StageResult result,
        string modelPath, DataSplits data, TSettings settings, Device device, JsonArray stageMetrics, JsonObject provenance)
    {
        var model = result.Model;
        using var latencyImages = CompressionReport.LatencyBatch(data.Val, device);
        var (teacherLogits, labels) = Inference.Predict(teacher, data.Val, settings.BatchSize, device);
        var (logits, _) = Inference.Predict(model, data.Val, settings.BatchSize, device);
        int repeats = settings.CheckedLatencyRepeats();
        var latency = repeats == 0 ? new[] { double.NaN, double.NaN } : CompressionReport.MedianLatencyMs(new[] { teacher, model }, latencyImages, repeats: repeats);
        ModelMeasurement teacherMeasurement, modelMeasurement;
        using (teacherLogits) using (labels) using (logits)
        {
            teacherMeasurement = CompressionReport.Measure(teacher, teacherPath, teacherLogits, labels, teacherLogits, latency[0]);
            modelMeasurement = CompressionReport.Measure(model, modelPath, logits, labels, teacherLogits, latency[1]);
        }
        var distance = CompressionReport.AttributionDistance(teacher, model, data.Val, settings.BatchSize, device);
        var metrics = new JsonObject { ["method"] = method, ["matcher"] = matcherOptions.Name };
        foreach (var (key, value) in modelMeasurement.ToJson())
            if (key != "latency_ms") metrics[key] = value?.DeepClone();
        metrics["latency_ms"] = new JsonObject
        {
            ["model"] = double.IsFinite(modelMeasurement.LatencyMs) ? modelMeasurement.LatencyMs : null,
            ["teacher"] = double.IsFinite(teacherMeasurement.LatencyMs) ? teacherMeasurement.LatencyMs : null,
            ["batch_images"] = latencyImages.shape[0],
            ["warmup"] = CompressionReport.LatencyWarmup,
            ["repeats"] = repeats,
            ["threads"] = torch.get_num_threads(),
            ["device"] = settings.Device,
        };
        metrics["compression_ratio"] = CompressionReport.Ratios(teacherMeasurement, modelMeasurement);
        metrics["attribution_distance"] = new JsonObject
        {
            ["model"] = distance is { } d ? d : null,
            ["definition"] = "mean L_AM of wcam maps (teacher's top-1 class, default matching layer) over val",
        };
        var teacherJson = teacherMeasurement.ToJson();
        teacherJson["checkpoint"] = Path.GetFullPath(teacherPath);
        metrics["teacher"] = teacherJson;
        metrics["matching"] = matcherOptions.ToJson();
        metrics["compression"] = result.Compression.DeepClone();
        if (stageMetrics.Count > 0) metrics["stages"] = stageMetrics;
        if (result.Training is { } training)
            metrics["training"] = new JsonObject
            {
                ["best_epoch"] = training.Best.Epoch,
                ["seconds"] = training.Seconds,
                ["history"] = JsonSerializer.SerializeToNode(training.History, CheckpointFile.Json),
            };
        metrics["dataset"] = settings.Dataset;
        metrics["val_size"] = data.Val.Count;
        metrics["checkpoint"] = Path.GetFullPath(modelPath);
        metrics["provenance"] = provenance.DeepClone();
        return metrics;
    }

    /// <summary>Validation quality and size of a pipeline step's network (no latency: that is measured once, at the end).</summary>
    static JsonObject StageSummary(int index, PipelineStep step, StageResult result, IDataset val, TSettings settings, Device device)
    {
        var (logits, labels) = Inference.Predict(result.Model, val, settings.BatchSize, device);
        using (logits) using (labels)
        {
            var report = Apc.Evaluation.PredictionMetrics.Compute(logits, labels);
            var summary = new JsonObject
            {
                ["stage"] = index,
                ["method"] = step.Stage.Method,
                ["arch"] = result.Model.Arch.ToString(),
                ["parameters"] = result.Model.ParameterCount(),
                ["macs"] = result.Model.MultiplyAccumulates(),
            };
            report.Scores.AddTo(summary);
            summary["checkpoint"] = Path.GetFullPath(result.CheckpointPath);
            return summary;
        }
    }
}
