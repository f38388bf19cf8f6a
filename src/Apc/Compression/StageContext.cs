using Apc.Checkpoints;
using Apc.Data;
using Apc.Matching;
using Apc.Models;
using Apc.Training;
using static TorchSharp.torch;

namespace Apc.Compression;

/// <summary>What a compression stage works with.</summary>
/// <param name="Teacher">The original network: frozen, in eval mode, never modified. Attribution matching and
/// distillation always refer to it.</param>
/// <param name="Input">The network entering this stage (the teacher itself for the first stage). A stage must
/// not modify it in place; it builds or clones its own model.</param>
/// <param name="Matcher">The attribution-matching regularizer (none, wcam, wcam with drop, at) with its weight.</param>
/// <param name="Training">The fine-tuning schedule of this stage.</param>
/// <param name="OutDir">This stage's folder: model.ckpt, metrics.json, state for --resume.</param>
/// <param name="Template">Classes, normalisation, data set and provenance for the checkpoints the stage writes
/// (the stage sets Kind and Compression).</param>
/// <param name="Masks">Pruning masks of <paramref name="Input"/> (parameter name → bool, true = kept), owned by whoever
/// made them. A stage that retrains the input's weights keeps the masked ones at exactly zero in every optimizer step
/// (<see cref="TrainingRun.Masks"/>) and carries copies of the masks in its checkpoints and its result, so that an
/// earlier stage's sparsity holds after every later stage. <see cref="CompressionPipeline"/> passes each step's masks
/// on to the next.</param>
/// <param name="Data">Training and validation data.</param>
/// <param name="Resume">Continue an interrupted run in <paramref name="OutDir"/>.</param>
/// <param name="Monitor">Receives progress; null for none.</param>
public sealed record StageContext(
    ClassifierNet Teacher,
    ClassifierNet Input,
    DataSplits Data,
    IAttributionMatcher Matcher,
    TrainingOptions Training,
    string OutDir,
    CheckpointInfo Template,
    bool Resume = false,
    ITrainingMonitor? Monitor = null,
    IReadOnlyDictionary<string, Tensor>? Masks = null);
