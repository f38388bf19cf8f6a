namespace Apc.Training;

public sealed record TrainingResult(EpochRecord Best, IReadOnlyList<EpochRecord> History, string CheckpointPath, double Seconds);
