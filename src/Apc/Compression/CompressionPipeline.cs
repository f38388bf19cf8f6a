using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Training;
using Apc.Util;
using static TorchSharp.torch;

namespace Apc.Compression;

/// <summary>Runs compression stages in order (method "pipeline"): each step's input is the previous step's output,
/// and every step matches attributions to, and distils from, the ORIGINAL teacher. Step i (1-based) writes into
/// OUT/stage-i-METHOD/; when it finishes, a done marker (stage-done.json) is written next to its model.ckpt. The
/// final network is copied to OUT/model.ckpt with kind "pipeline". With --resume a finished step is reloaded
/// instead of rerun (if its options are unchanged) and an unfinished one resumes its training.</summary>
public sealed class CompressionPipeline : ICompressionStage
{
    /// <summary>The file that marks a finished step.</summary>
    public const string DoneMarker = "stage-done.json";
    /// <summary>The method name of a pipeline.</summary>
    public const string Kind = "pipeline";

    /// <summary>A pipeline of <paramref name="steps"/>; an order whose later steps would undo earlier ones is a <see cref="UsageException"/> (<see cref="CheckOrder"/>).</summary>
    public CompressionPipeline(IReadOnlyList<PipelineStep> steps)
    {
        CheckOrder(steps.Select(s => s.Stage.Method).ToList());
        Steps = steps;
    }

    /// <summary>The steps in order.</summary>
    public IReadOnlyList<PipelineStep> Steps { get; }
    /// <inheritdoc/>
    public string Method => Kind;

    /// <summary>Called after each step with its 1-based index, the step and its result (before the next step runs; the
    /// result's model is disposed afterwards unless it is the last).</summary>
    public Action<int, PipelineStep, StageResult>? StepFinished { get; init; }

    /// <summary>The folder of step <paramref name="index"/> (1-based).</summary>
    public static string StepFolder(string outDir, int index, string method) =>
        Path.Combine(outDir, $"stage-{index.ToString(CultureInfo.InvariantCulture)}-{method}");

    /// <summary>Rejects orders whose later steps would undo earlier ones: quantization and kernel quantization must be last
    /// (the other stages retrain float weights), and unstructured pruning may only be followed by kd or quantize (any number), which keep its masks
    /// (<see cref="StageContext.Masks"/>); structured pruning would cut the masked tensors and a second unstructured
    /// stage would start its own schedule. After block-sparse, structured pruning and a second block-sparse stage are refused
    /// (the grouped convs are not theirs to cut). Unify must be last too: any later training would move a block's weights apart.</summary>
    public static void CheckOrder(IReadOnlyList<string> methods)
    {
        if (methods.Count == 0) throw new UsageException("--stages: give at least one of kd, structured, unstructured, block-sparse, unify, quantize, kernel-quantize.");
        for (int i = 0; i < methods.Count - 1; i++)
        {
            if (methods[i] is "quantize" or "kernel-quantize")
                throw new UsageException($"--stages {string.Join(',', methods)}: {methods[i]} must be the last stage.");
            if (methods[i] == "unify")
                throw new UsageException($"--stages {string.Join(',', methods)}: unify must be the last stage (a later stage would retrain its shared magnitudes apart).");
            if (methods[i] == "block-sparse")
                foreach (var later in methods.Skip(i + 1))
                    if (later is "structured" or "block-sparse")
                        throw new UsageException($"--stages {string.Join(',', methods)}: block-sparse may not be followed by {later} " +
                            "(its grouped convs tie channels in blocks that filter surgery and a second block layout would break).");
            if (methods[i] == "unstructured")
                foreach (var later in methods.Skip(i + 1))
                    if (later is not ("kd" or "quantize"))
                        throw new UsageException($"--stages {string.Join(',', methods)}: unstructured may only be followed by kd or quantize " +
                            $"({later} cannot keep its masks).");
        }
    }

    /// <inheritdoc/>
    public StageResult Run(StageContext context)
    {
        var monitor = context.Monitor ?? NullTrainingMonitor.Instance;
        AtomicFile.EnsureWritableFolder(context.OutDir);
        var current = context.Input;
        StageResult? last = null;
        var summaries = new JsonArray();
        for (int i = 0; i < Steps.Count; i++)
        {
            var step = Steps[i];
            var method = step.Stage.Method;
            var dir = StepFolder(context.OutDir, i + 1, method);
            // An earlier step's guarantees travel with its network: its masks (from its result) bind every later step.
            var masks = last is null ? context.Masks : Training.WeightMasks.FromExtra(last.Extra);
            var stepContext = context with { Input = current, Training = step.Training, OutDir = dir, Masks = masks };
            var fingerprint = Fingerprint(step, context);
            StageResult result;
            var marker = Path.Combine(dir, DoneMarker);
            if (context.Resume && File.Exists(marker))
            {
                result = Reload(step, stepContext, marker, fingerprint);
                monitor.Message($"stage {i + 1}/{Steps.Count} ({method}): finished earlier, reloaded from {result.CheckpointPath}");
            }
            else
            {
                monitor.Message($"stage {i + 1}/{Steps.Count}: {method}");
                result = step.Stage.Run(stepContext);
                AtomicFile.WriteJson(marker, new JsonObject
                {
                    ["method"] = method,
                    ["checkpoint"] = RelativeIfInside(dir, result.CheckpointPath),
                    ["fingerprint"] = fingerprint,
                    ["compression"] = result.Compression.DeepClone(),
                    ["finished_utc"] = DateTime.UtcNow.ToString("O"),
                });
            }
            summaries.Add(new JsonObject
            {
                ["stage"] = i + 1,
                ["method"] = method,
                ["folder"] = Path.GetFileName(dir),
                ["arch"] = result.Model.Arch.ToString(),
                ["compression"] = result.Compression.DeepClone(),
            });
            StepFinished?.Invoke(i + 1, step, result);
            last?.Dispose();
            last = result;
            current = result.Model;
        }

        var compression = new JsonObject
        {
            ["method"] = Kind,
            ["stages"] = summaries,
            ["matcher"] = context.Matcher.Name,
        };
        var finalPath = Path.Combine(context.OutDir, "model.ckpt");
        var (info, tensors) = CheckpointFile.Read(last!.CheckpointPath);
        try { CheckpointFile.Write(finalPath, info with { Kind = Kind, Compression = compression }, tensors); }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
        return last with { Compression = compression, CheckpointPath = finalPath };
    }

    /// <summary>What must be equal for a finished step to be reused: the method, its options, its schedule and the
    /// matcher. The device and the thread count are left out here: the command's run fingerprint, checked before any
    /// step runs, holds them (apc compress refuses a --resume with another device or thread count).</summary>
    static JsonObject Fingerprint(PipelineStep step, StageContext context)
    {
        var training = JsonSerializer.SerializeToNode(step.Training with { Device = "", Threads = 0 }, CheckpointFile.Json)!.AsObject();
        training.Remove("device");
        training.Remove("threads");
        return new JsonObject
        {
            ["method"] = step.Stage.Method,
            ["config"] = step.Config?.DeepClone(),
            ["training"] = training,
            ["matcher"] = context.Matcher.Name,
        };
    }

    static StageResult Reload(PipelineStep step, StageContext context, string markerPath, JsonObject fingerprint)
    {
        JsonObject marker;
        try { marker = JsonNode.Parse(File.ReadAllText(markerPath))?.AsObject() ?? throw new JsonException("empty"); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or IOException)
        { throw new ApcException($"cannot resume: '{markerPath}' is unreadable ({e.Message}); delete it to rerun the stage."); }
        if (!JsonNode.DeepEquals(marker["fingerprint"], fingerprint))
            throw new ApcException($"cannot resume: '{context.OutDir}' was made with other options ({marker["fingerprint"]?.ToJsonString()}); " +
                "use a new --out or run without --resume.");
        var name = marker["checkpoint"]?.GetValue<string>() ?? "model.ckpt";
        var path = Path.IsPathRooted(name) ? name : Path.Combine(context.OutDir, name);
        if (!File.Exists(path))
            throw new ApcException($"cannot resume: '{markerPath}' says the stage finished but '{path}' is missing; delete the marker to rerun it.");
        if (step.Stage is IReloadableStage reloadable) return reloadable.Reload(context, path);
        var checkpoint = ModelCheckpoint.Load(path, DeviceParser.Parse(context.Training.Device));
        Quantization.QuantizedModel.Attach(checkpoint); // quantized networks get their activation grids back
        return new StageResult(checkpoint.Model, checkpoint.Extra, checkpoint.Info.Compression ?? new JsonObject(), null, path);
    }

    static string RelativeIfInside(string dir, string path)
    {
        var full = Path.GetFullPath(path);
        var relative = Path.GetRelativePath(Path.GetFullPath(dir), full);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative;
    }
}
