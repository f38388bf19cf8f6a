namespace Apc.Training;

/// <summary>The loss became NaN or infinite; training stopped and the last good checkpoint was kept.</summary>
public sealed class TrainingDivergedException : ApcException
{
    public TrainingDivergedException(string message) : base(message) { }
}
