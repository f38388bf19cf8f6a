namespace Apc.Training;

/// <summary>Receives progress from a training run (the CLI draws a progress bar with it).</summary>
public interface ITrainingMonitor
{
    void EpochStarted(int epoch, int epochs, int steps);
    void StepCompleted(int step, double loss);
    void EpochCompleted(EpochRecord record);
    void Message(string text);
}

/// <summary>Silent monitor for tests and library use.</summary>
public sealed class NullTrainingMonitor : ITrainingMonitor
{
    public static NullTrainingMonitor Instance { get; } = new();
    public void EpochStarted(int epoch, int epochs, int steps) { }
    public void StepCompleted(int step, double loss) { }
    public void EpochCompleted(EpochRecord record) { }
    public void Message(string text) { }
}
