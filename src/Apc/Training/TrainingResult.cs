namespace Apc.Training;

/// <summary>What a training run produced.</summary>
/// <param name="Best">The epoch with the best validation score, whose weights are in <paramref name="CheckpointPath"/>.</param>
/// <param name="History">Every epoch, in order.</param>
/// <param name="CheckpointPath">The best checkpoint.</param>
/// <param name="Seconds">Wall time of the run (this session).</param>
public sealed record TrainingResult(EpochRecord Best, IReadOnlyList<EpochRecord> History, string CheckpointPath, double Seconds);
