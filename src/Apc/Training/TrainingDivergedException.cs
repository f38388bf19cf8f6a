namespace Apc.Training;

/// <summary>The loss became NaN or infinite; training stopped and the last good checkpoint was kept.</summary>
public sealed class TrainingDivergedException : ApcException
{
    /// <summary>The loss became non-finite; <paramref name="message"/> says where and why.</summary>
    public TrainingDivergedException(string message) : base(message) { }
}
