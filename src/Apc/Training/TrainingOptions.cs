namespace Apc.Training;

/// <summary>The optimisation schedule: SGD with momentum and a step learning-rate schedule (method.md §3),
/// sized for a 2-core CPU by default.</summary>
/// <param name="LrSteps">Epochs (1-based, counted from the start) at which the rate is multiplied by <paramref name="LrGamma"/>.</param>
/// <param name="Device">"cpu", "cuda" or "cuda:N".</param>
/// <param name="Threads">Torch intra-op threads; 0 = torch's default (<see cref="Apc.Util.TorchThreads.Default"/>). Part of a
/// training run's fingerprint: another count gives other weights.</param>
/// <param name="Epochs">Training epochs.</param>
/// <param name="BatchSize">Images per step.</param>
/// <param name="LearningRate">Initial learning rate.</param>
/// <param name="Momentum">SGD momentum.</param>
/// <param name="WeightDecay">L2 weight decay.</param>
/// <param name="LrGamma">Factor applied at each of <paramref name="LrSteps"/>.</param>
/// <param name="Seed">Seed of initialisation, shuffling, augmentation and dropout.</param>
public sealed record TrainingOptions(
    int Epochs = 12,
    int BatchSize = 64,
    double LearningRate = 0.05,
    double Momentum = 0.9,
    double WeightDecay = 1e-4,
    int[]? LrSteps = null,
    double LrGamma = 0.1,
    int Seed = 0,
    string Device = "cpu",
    int Threads = 0)
{
    /// <summary>The epochs at which the rate drops (none when not given).</summary>
    public int[] EffectiveLrSteps => LrSteps ?? Array.Empty<int>();

    /// <summary>The learning rate of epoch <paramref name="epoch"/> (1-based).</summary>
    public double LearningRateAt(int epoch) =>
        LearningRate * Math.Pow(LrGamma, EffectiveLrSteps.Count(step => epoch >= step));

    /// <summary>Throws a one-line <see cref="UsageException"/> naming the first bad setting; returns the options.</summary>
    public TrainingOptions Validated()
    {
        if (Epochs < 1) throw new UsageException($"--epochs must be at least 1 (got {Epochs}).");
        if (BatchSize < 1) throw new UsageException($"--batch-size must be at least 1 (got {BatchSize}).");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new UsageException($"--lr must be a positive number (got {LearningRate}).");
        if (Momentum < 0 || Momentum >= 1) throw new UsageException($"--momentum must be in [0, 1) (got {Momentum}).");
        if (WeightDecay < 0) throw new UsageException($"--weight-decay must be non-negative (got {WeightDecay}).");
        if (EffectiveLrSteps.Any(s => s < 1)) throw new UsageException("--lr-steps must be positive epoch numbers.");
        if (Threads < 0) throw new UsageException($"--threads must be non-negative (got {Threads}).");
        DeviceParser.CheckSyntax(Device);
        return this;
    }
}
