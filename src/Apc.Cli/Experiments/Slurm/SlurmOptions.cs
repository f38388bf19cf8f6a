namespace Apc.Cli.Experiments.Slurm;

/// <summary>What every job of a submission asks Slurm for (sbatch's options of the same names); null: the site's
/// default. <see cref="Gres"/> is e.g. "gpu:1" for a GPU partition (with --device cuda).</summary>
public sealed record SlurmOptions(string? Partition = null, string? Time = null, int? CpusPerTask = null, string? Mem = null, string? Gres = null)
{
    /// <summary>The #SBATCH lines these options give, in sbatch's spelling.</summary>
    public IEnumerable<string> Directives()
    {
        if (Partition is { } p) yield return $"--partition={p}";
        if (Time is { } t) yield return $"--time={t}";
        if (CpusPerTask is { } c) yield return $"--cpus-per-task={c}";
        if (Mem is { } m) yield return $"--mem={m}";
        if (Gres is { } g) yield return $"--gres={g}";
    }

    /// <summary>Refuses values that cannot be an sbatch option's value (empty, blanks, line breaks, quotes) and a
    /// non-positive --cpus-per-task. Whether the site accepts a value (a partition's name, a time limit) only Slurm
    /// knows: a rejected submission reports its reason.</summary>
    /// <exception cref="UsageException">A value that cannot be passed on.</exception>
    public SlurmOptions Validated()
    {
        foreach (var (name, value) in new[] { ("--partition", Partition), ("--time", Time), ("--mem", Mem), ("--gres", Gres) })
            if (value is not null && (value.Length == 0 || value.Any(ch => char.IsWhiteSpace(ch) || ch is '\'' or '"' or '\\' or '$' or '`')))
                throw new UsageException($"{name} '{value}': expected a single sbatch value without blanks or quotes.");
        if (CpusPerTask is < 1) throw new UsageException($"--cpus-per-task must be at least 1 (got {CpusPerTask}).");
        return this;
    }
}
