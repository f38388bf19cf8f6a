using Apc.Checkpoints;
using Apc.Data;
using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Training;

/// <summary>Everything one call of <see cref="Trainer.Fit"/> needs.</summary>
/// <param name="Template">Describes the model for its checkpoint (kind, classes, provenance); the trainer fills in metrics.</param>
/// <param name="AfterStep">Runs after every optimizer step (quantization-aware training moves its master weights here).</param>
/// <param name="ExtraTensors">Extra tensors stored in every checkpoint written (pruning masks, quantization parameters).</param>
/// <param name="CheckpointName">File name of the best model in <paramref name="OutDir"/>.</param>
/// <param name="Masks">Pruning masks that hold (see <see cref="WeightMasks"/>): the masked weights are zeroed before
/// training and after every optimizer step (after <paramref name="AfterStep"/>), and the masks are stored in every
/// checkpoint written.</param>
/// <param name="Model">The network trained in place.</param>
/// <param name="Data">Training and validation data.</param>
/// <param name="Objective">The loss of a batch.</param>
/// <param name="Options">The schedule.</param>
/// <param name="OutDir">Where checkpoints, state and metrics.json go.</param>
/// <param name="Resume">Continue from the saved state in <paramref name="OutDir"/>.</param>
/// <param name="Monitor">Receives progress; null for none.</param>
/// <param name="StateName">File name of the training state (for --resume).</param>
public sealed record TrainingRun(
    ClassifierNet Model,
    DataSplits Data,
    ITrainingObjective Objective,
    TrainingOptions Options,
    string OutDir,
    CheckpointInfo Template,
    bool Resume = false,
    ITrainingMonitor? Monitor = null,
    Action<ClassifierNet>? AfterStep = null,
    Func<IReadOnlyDictionary<string, Tensor>>? ExtraTensors = null,
    string CheckpointName = "model.ckpt",
    string StateName = "train-state.ckpt",
    IReadOnlyDictionary<string, Tensor>? Masks = null);
