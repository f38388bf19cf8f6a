using System.Text.Json.Nodes;
using Apc.Models;
using Apc.Training;
using static TorchSharp.torch;

namespace Apc.Compression;

/// <summary>The outcome of a stage. <paramref name="Extra"/> holds tensors the checkpoint must carry (pruning
/// masks "mask/...", quantization parameters "quant/..."); <paramref name="Compression"/> the facts shown by
/// apc info and metrics.json (ratios, sparsity, bits...).</summary>
public sealed record StageResult(
    ClassifierNet Model,
    IReadOnlyDictionary<string, Tensor> Extra,
    JsonObject Compression,
    TrainingResult? Training,
    string CheckpointPath);
