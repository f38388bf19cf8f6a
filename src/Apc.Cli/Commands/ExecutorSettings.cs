using System.ComponentModel;
using Apc.Cli.Experiments.Slurm;
using Apc.Cli.Settings;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

/// <summary>Where an experiment's stages run (apc experiment and apc demo): in this process, one after another
/// (local), or as Slurm jobs (docs/cluster.md).</summary>
public class ExecutorSettings : CommonSettings
{
    [CommandOption("--executor <NAME>")]
    [Description("local: run the stages here, one after another; slurm: submit each stage as a Slurm job with sbatch (docs/cluster.md).")]
    [DefaultValue("local")]
    public string Executor { get; init; } = "local";

    [CommandOption("--jobs <N>")]
    [Description("With --executor local: stages run at once, each as its own process (default 1: one after another in this process). Without --threads each gets cores ÷ N threads. On the 2-core development machine --jobs 2 was slower than one stage at a time (docs/performance.md); it pays where there are more cores than one stage uses well.")]
    [DefaultValue(1)]
    public int Jobs { get; init; } = 1;

    [CommandOption("--dry-run")]
    [Description("With --executor slurm: write the sbatch scripts and the job graph to OUT/slurm/ and submit nothing.")]
    public bool DryRun { get; init; }

    [CommandOption("--partition <P>")]
    [Description("Slurm partition of every job (sbatch --partition); default: the cluster's.")]
    public string? Partition { get; init; }

    [CommandOption("--time <LIMIT>")]
    [Description("Time limit of every job, e.g. 02:00:00 (sbatch --time); default: the partition's.")]
    public string? Time { get; init; }

    [CommandOption("--cpus-per-task <N>")]
    [Description("CPUs of every job (sbatch --cpus-per-task); also each stage's --threads unless --threads is given.")]
    public int? CpusPerTask { get; init; }

    [CommandOption("--mem <SIZE>")]
    [Description("Memory of every job, e.g. 8G (sbatch --mem); default: the partition's.")]
    public string? Mem { get; init; }

    [CommandOption("--gres <RES>")]
    [Description("Generic resources of every job, e.g. gpu:1 with --device cuda (sbatch --gres).")]
    public string? Gres { get; init; }

    public bool OnSlurm => Executor.Trim().ToLowerInvariant() switch
    {
        "local" => false,
        "slurm" => true,
        _ => throw new UsageException($"--executor '{Executor}': expected local or slurm."),
    };

    /// <summary>The sbatch options; refuses Slurm options without --executor slurm (they would be silently unused).</summary>
    public SlurmOptions SlurmOptions()
    {
        var options = new SlurmOptions(Partition, Time, CpusPerTask, Mem, Gres).Validated();
        if (!OnSlurm && (DryRun || options.Directives().Any()))
            throw new UsageException("--dry-run, --partition, --time, --cpus-per-task, --mem and --gres apply to --executor slurm only.");
        if (Jobs < 1) throw new UsageException($"--jobs must be at least 1; got {Jobs}.");
        if (OnSlurm && Jobs != 1) throw new UsageException("--jobs applies to --executor local only; Slurm runs every stage that can run.");
        return options;
    }

    protected override bool ThreadsRunHere => !Executor.Trim().Equals("slurm", StringComparison.OrdinalIgnoreCase);

    /// <summary>Each stage's --threads: --threads when given, else a Slurm job's --cpus-per-task, else 0 (torch's default).</summary>
    public int StageThreads => Threads > 0 ? Threads : OnSlurm && CpusPerTask is { } c ? c : Threads;
}
