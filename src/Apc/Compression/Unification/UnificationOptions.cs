namespace Apc.Compression.Unification;

/// <summary>Settings of <see cref="UnificationStage"/>. Every block of every conv weight is unified (one magnitude per
/// block, each weight its own sign); <paramref name="ZeroFraction"/> of all blocks, over all convs together, are unified
/// to zero (micro-structured pruning). The fine-tuning's rate, schedule and epochs are the stage's training options
/// (--lr, --lr-steps, --epochs); the ADMM phase trains at --lr, constant.</summary>
/// <param name="Block">--block-shape RxS: R output filters × S consecutive weights of a filter (input channel, then kernel
/// position); default 1x4.</param>
/// <param name="ZeroFraction">--zero-fraction: fraction of blocks unified to zero, in [0, 1); the count is
/// round(fraction·blocks).</param>
/// <param name="Rho">--rho: the ADMM penalty ρ of the first iteration.</param>
/// <param name="RhoGrowth">--rho-growth: ρ is multiplied by this after every iteration (≥ 1; 1 = constant).</param>
/// <param name="AdmmIterations">--admm-iterations: W-, Z- and dual steps; 0 = project at once, then fine-tune.</param>
/// <param name="AdmmEpochs">--admm-epochs: training epochs of each W-step.</param>
public sealed record UnificationOptions(
    BlockShape? Block = null,
    double ZeroFraction = 0.5,
    double Rho = 0.5,
    double RhoGrowth = 2,
    int AdmmIterations = 3,
    int AdmmEpochs = 1)
{
    /// <summary>The default block shape, 1x4.</summary>
    public static readonly BlockShape DefaultBlock = new(1, 4);

    /// <summary>The block shape (default 1x4).</summary>
    public BlockShape EffectiveBlock => Block ?? DefaultBlock;

    /// <summary>ρ of ADMM iteration <paramref name="iteration"/> (1-based): Rho·RhoGrowth^(iteration−1).</summary>
    public double RhoAt(int iteration) => Rho * Math.Pow(RhoGrowth, iteration - 1);

    /// <summary>Throws a one-line <see cref="UsageException"/> naming the first bad setting; returns the options.</summary>
    public UnificationOptions Validated()
    {
        EffectiveBlock.Validated();
        if (!(ZeroFraction >= 0 && ZeroFraction < 1)) throw new UsageException($"--zero-fraction must be in [0, 1) (got {ZeroFraction}).");
        if (!(Rho > 0) || double.IsInfinity(Rho)) throw new UsageException($"--rho must be a positive number (got {Rho}).");
        if (!(RhoGrowth >= 1) || double.IsInfinity(RhoGrowth)) throw new UsageException($"--rho-growth must be at least 1 (got {RhoGrowth}).");
        if (AdmmIterations < 0) throw new UsageException($"--admm-iterations must be non-negative (got {AdmmIterations}).");
        if (AdmmEpochs < 1) throw new UsageException($"--admm-epochs must be at least 1 (got {AdmmEpochs}).");
        return this;
    }
}
