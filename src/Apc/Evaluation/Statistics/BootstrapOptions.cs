namespace Apc.Evaluation.Statistics;

/// <summary>Settings of <see cref="ClusterBootstrap"/>: number of resamples, the generator's seed, the confidence level.</summary>
public sealed record BootstrapOptions
{
    /// <summary>Bootstrap resamples.</summary>
    public int Resamples { get; init; } = 2000;
    /// <summary>Seed of the resampling.</summary>
    public ulong Seed { get; init; } = 20201030;
    /// <summary>Confidence level of the interval.</summary>
    public double Level { get; init; } = 0.95;

    internal void Validate()
    {
        if (Resamples < 2) throw new ArgumentOutOfRangeException(nameof(Resamples), Resamples, "the bootstrap needs at least 2 resamples.");
        if (!(Level > 0 && Level < 1)) throw new ArgumentOutOfRangeException(nameof(Level), Level, "the confidence level must be in (0, 1).");
    }
}
