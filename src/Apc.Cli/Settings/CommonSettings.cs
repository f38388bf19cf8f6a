using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Apc.Cli.Settings;

/// <summary>Options every verb has.</summary>
public class CommonSettings : CommandSettings
{
    [CommandOption("-v|--verbose")]
    [Description("Show stack traces and extra detail on errors.")]
    public bool Verbose { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("Where to compute: cpu, cuda or cuda:N.")]
    [DefaultValue("cpu")]
    public string Device { get; init; } = "cpu";

    [CommandOption("--threads <N>")]
    [Description("Torch intra-op threads (0 = torch's default: the cores, unless OMP_NUM_THREADS says otherwise). Part of a training run's fingerprint: another count gives other weights.")]
    [DefaultValue(0)]
    public int Threads { get; init; }

    /// <summary>Most intra-op threads a run may ask for: more than the machine's cores only adds contention, and
    /// libtorch starts every one of them (100,000 hang the process).</summary>
    public static int MaxThreads => Environment.ProcessorCount;

    /// <summary>Spectre calls this after binding, before the verb runs: bounds that hold for every verb.</summary>
    public override ValidationResult Validate()
    {
        if (Threads < 0 || (ThreadsRunHere && Threads > MaxThreads))
            throw new UsageException($"--threads must be in [0, {MaxThreads}] on this machine ({MaxThreads} cores; 0 = torch's default); got {Threads}.");
        return base.Validate();
    }

    /// <summary>Whether --threads applies to this machine; false where the work runs elsewhere (Slurm jobs on other
    /// nodes), which may have more cores.</summary>
    protected virtual bool ThreadsRunHere => true;
}
