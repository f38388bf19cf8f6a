using System.Text.Json.Nodes;
using Apc.Models;
using Apc.Training;
using static TorchSharp.torch;

namespace Apc.Compression;

/// <summary>The outcome of a stage. <paramref name="Extra"/> holds tensors the checkpoint must carry (pruning
/// masks "mask/...", quantization parameters "quant/..."); <paramref name="Compression"/> the facts shown by
/// apc info and metrics.json (ratios, sparsity, bits...). The result owns <paramref name="Model"/> and the
/// <paramref name="Extra"/> tensors: dispose it when done (a copy made with <c>with</c> shares them; dispose one).</summary>
/// <param name="Model">The compressed network (best on validation), on the stage's device.</param>
/// <param name="Extra">Checkpoint tensors beside the weights, by name.</param>
/// <param name="Compression">What the stage did, as JSON.</param>
/// <param name="Training">The fine-tuning's result; null when the stage was reloaded from a finished run.</param>
/// <param name="CheckpointPath">The model.ckpt holding <paramref name="Model"/>.</param>
public sealed record StageResult(
    ClassifierNet Model,
    IReadOnlyDictionary<string, Tensor> Extra,
    JsonObject Compression,
    TrainingResult? Training,
    string CheckpointPath) : IDisposable
{
    /// <summary>Disposes the model and the extra tensors.</summary>
    public void Dispose()
    {
        Model.Dispose();
        foreach (var t in Extra.Values) t.Dispose();
    }
}
