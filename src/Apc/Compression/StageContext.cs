using Apc.Checkpoints;
using Apc.Data;
using Apc.Matching;
using Apc.Models;
using Apc.Training;

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
public sealed record StageContext(
    ClassifierNet Teacher,
    ClassifierNet Input,
    DataSplits Data,
    IAttributionMatcher Matcher,
    TrainingOptions Training,
    string OutDir,
    CheckpointInfo Template,
    bool Resume = false,
    ITrainingMonitor? Monitor = null);
