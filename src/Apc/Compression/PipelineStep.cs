using System.Text.Json.Nodes;
using Apc.Training;

namespace Apc.Compression;

/// <summary>One step of a <see cref="CompressionPipeline"/>: a stage with its own fine-tuning schedule.</summary>
/// <param name="Config">The stage's own options as JSON (ratio, bits...), recorded in the step's done marker: a
/// resumed pipeline reuses a finished step only when its method, schedule, matcher and config are unchanged.</param>
/// <param name="Stage">The stage to run.</param>
/// <param name="Training">Its fine-tuning schedule.</param>
public sealed record PipelineStep(ICompressionStage Stage, TrainingOptions Training, JsonObject? Config = null);
