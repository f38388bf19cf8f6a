using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Models;
using Apc.Training;
using Apc.Util;
using static TorchSharp.torch;

namespace Apc.Compression.Pruning;

/// <summary>What both pruning stages do around the pruning itself: copy a model, fine-tune it with the compression
/// objective keeping the best-on-validation weights, and write the stage's final checkpoint.</summary>
internal static class StageSupport
{
    /// <summary>Fine-tunes with BCE + β·L_AM against the frozen teacher (CompressionObjective; with
    /// <paramref name="distillation"/> also α·KD of the teacher's logits, (1−α)·BCE),
    /// with <paramref name="masks"/> (if any) held in every step and saved in every checkpoint, then puts the
    /// best-on-validation weights back into <paramref name="model"/>. Returns the training result
    /// and the best checkpoint's description (with its metrics).</summary>
    public static (TrainingResult Training, CheckpointInfo Best) FineTune(StageContext context, ClassifierNet model, string dir,
        CheckpointInfo template, IReadOnlyDictionary<string, Tensor>? masks = null, DistillationOptions? distillation = null)
    {
        var objective = new CompressionObjective(context.Teacher, context.Matcher, distillation);
        var result = Trainer.Fit(new TrainingRun(model, context.Data, objective, context.Training, dir, template,
            context.Resume, context.Monitor, Masks: masks));
        if (template.Compression is not null) AddCompression(Path.Combine(dir, "metrics.json"), template.Compression);
        using var best = ModelCheckpoint.Load(result.CheckpointPath);
        ModelCopy.CopyState(best.Model, model);
        return (result, best.Info);
    }

    /// <summary>Writes OUT/model.ckpt (and OUT/metrics.json, copied from the last fine-tuning) when the fine-tuning
    /// ran in a sub-folder.</summary>
    public static string SaveFinal(StageContext context, ClassifierNet model, CheckpointInfo best, string fineTuneDir,
        IReadOnlyDictionary<string, Tensor>? extra = null)
    {
        var path = Path.Combine(context.OutDir, "model.ckpt");
        ModelCheckpoint.Save(path, best, model, extra);
        var metrics = Path.Combine(fineTuneDir, "metrics.json");
        var final = Path.Combine(context.OutDir, "metrics.json");
        if (File.Exists(metrics)) AtomicFile.WriteAllText(final, File.ReadAllText(metrics));
        if (best.Compression is not null) AddCompression(final, best.Compression);
        return path;
    }

    /// <summary>Puts the stage's compression facts into a training run's metrics.json (as the quantize stage does).</summary>
    static void AddCompression(string metricsPath, JsonObject compression)
    {
        if (File.Exists(metricsPath) && JsonNode.Parse(File.ReadAllText(metricsPath)) is JsonObject summary)
        {
            summary["compression"] = compression.DeepClone();
            AtomicFile.WriteJson(metricsPath, summary);
        }
    }
}
