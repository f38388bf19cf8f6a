namespace Apc.Training;

/// <summary>Receives progress from a training run (the CLI draws a progress bar with it).</summary>
public interface ITrainingMonitor
{
    /// <summary>Epoch <paramref name="epoch"/> of <paramref name="epochs"/> starts; it has <paramref name="steps"/> steps.</summary>
    void EpochStarted(int epoch, int epochs, int steps);
    /// <summary>Step <paramref name="step"/> finished with loss <paramref name="loss"/>.</summary>
    void StepCompleted(int step, double loss);
    /// <summary>An epoch finished with <paramref name="record"/>.</summary>
    void EpochCompleted(EpochRecord record);
    /// <summary>A line of text for the user.</summary>
    void Message(string text);
}

/// <summary>Silent monitor for tests and library use.</summary>
public sealed class NullTrainingMonitor : ITrainingMonitor
{
    /// <summary>The one instance (it has no state).</summary>
    public static NullTrainingMonitor Instance { get; } = new();
    /// <inheritdoc/>
    public void EpochStarted(int epoch, int epochs, int steps) { }
    /// <inheritdoc/>
    public void StepCompleted(int step, double loss) { }
    /// <inheritdoc/>
    public void EpochCompleted(EpochRecord record) { }
    /// <inheritdoc/>
    public void Message(string text) { }
}
