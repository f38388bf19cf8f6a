namespace Apc.Compression.Pruning;

/// <summary>Settings of <see cref="UnstructuredPruningStage"/>.</summary>
/// <param name="Rounds">--rounds R: prune + fine-tune rounds (reference: 16; small by default for a CPU).</param>
/// <param name="Rate">--rate: fraction of the remaining weights removed per round; cumulative sparsity after round r
/// is 1 − (1 − rate)^r (reference: 0.2, reaching 0.972 after 16 rounds).</param>
/// <param name="IncludeLinear">--include-linear: prune the linear layers' weights too (reference: conv weights only).</param>
public sealed record UnstructuredPruningOptions(int Rounds = 3, double Rate = 0.2, bool IncludeLinear = false)
{
    /// <summary>Throws a one-line <see cref="UsageException"/> naming the first bad setting; returns the options.</summary>
    public UnstructuredPruningOptions Validated()
    {
        if (Rounds < 1) throw new UsageException($"--rounds must be at least 1 (got {Rounds}).");
        if (!(Rate > 0 && Rate < 1)) throw new UsageException($"--rate must be in (0, 1) (got {Rate}).");
        return this;
    }

    /// <summary>The cumulative sparsity the last round reaches.</summary>
    public double FinalSparsity => MagnitudePruning.CumulativeSparsity(Rate, Rounds);
}
