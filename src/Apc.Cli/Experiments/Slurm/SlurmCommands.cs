using System.ComponentModel;
using System.Diagnostics;

namespace Apc.Cli.Experiments.Slurm;

/// <summary>Slurm's own command-line tools (sbatch, squeue, scancel, scontrol, sacct), run as child processes: apc
/// builds no scheduler of its own, it hands jobs to the one installed. Slurm finds its cluster as it always does
/// (/etc/slurm/slurm.conf, or SLURM_CONF).</summary>
public static class SlurmCommands
{
    /// <summary>A job as the queue shows it: JobState (PENDING, RUNNING, ...) and the reason it waits (Dependency,
    /// DependencyNeverSatisfied, Resources, ...).</summary>
    public sealed record QueuedJob(string Id, string State, string Reason);

    /// <summary>Submits a batch script; returns the job id.</summary>
    /// <param name="afterOk">Job ids this one waits for (afterok: it starts only when all of them completed).</param>
    /// <exception cref="ApcException">sbatch is missing, or Slurm rejected the job (its reason, in one line).</exception>
    public static string Submit(string script, IReadOnlyCollection<string> afterOk, string what)
    {
        var args = new List<string> { "--parsable" };
        if (afterOk.Count > 0) args.Add("--dependency=afterok:" + string.Join(':', afterOk));
        args.Add(script);
        var (code, output, error) = Run("sbatch", args);
        var id = output.Trim().Split(';')[0];
        if (code != 0 || id.Length == 0 || !id.All(char.IsAsciiDigit))
            throw new ApcException($"Slurm rejected {what}: {Reason(error, output)}");
        return id;
    }

    /// <summary>This user's jobs in the queue (pending, running, completing, ...), by id.</summary>
    public static Dictionary<string, QueuedJob> Queue()
    {
        var (code, output, error) = Run("squeue", new[] { "--me", "--noheader", "--format=%i|%T|%r" });
        if (code != 0) throw new ApcException($"squeue failed: {Reason(error, output)}");
        var jobs = new Dictionary<string, QueuedJob>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (line.Split('|') is [var id, var state, var reason]) jobs[id] = new QueuedJob(id, state, reason);
        return jobs;
    }

    /// <summary>The final state of a job no longer in the queue (COMPLETED, FAILED, CANCELLED, TIMEOUT, ...): from sacct
    /// where the cluster keeps accounting, else from scontrol while the controller still remembers the job; null when
    /// neither knows it.</summary>
    public static string? EndedState(string id)
    {
        var (code, output, _) = Run("sacct", new[] { "--noheader", "--parsable2", "--allocations", "--jobs", id, "--format=State" });
        if (code == 0 && output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() is { } state)
            return state.Split(' ')[0];
        (code, output, _) = Run("scontrol", new[] { "--oneliner", "show", "job", id });
        if (code != 0) return null;
        var field = output.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(f => f.StartsWith("JobState=", StringComparison.Ordinal));
        return field?["JobState=".Length..];
    }

    /// <summary>Cancels jobs (best effort: a job that ended meanwhile is no error).</summary>
    public static void Cancel(IReadOnlyCollection<string> ids)
    {
        if (ids.Count > 0) Run("scancel", ids.ToList());
    }

    /// <summary>Fails with one line when sbatch is not installed, before anything is written.</summary>
    public static void RequireSbatch()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, "sbatch")));
        if (!found) throw NotInstalled("sbatch");
    }

    static ApcException NotInstalled(string tool) =>
        new($"--executor slurm: '{tool}' was not found on PATH; install Slurm's client tools (Debian: apt-get install slurm-client, " +
            "and a cluster to submit to; docs/cluster.md) or use --executor local.");

    /// <summary>The meaningful line of a Slurm tool's complaint, without its "sbatch: error: " prefix.</summary>
    static string Reason(string error, string output)
    {
        var lines = (error + "\n" + output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"^\w+: (error|fatal): ", "")).ToList();
        return lines.LastOrDefault(l => l.Contains("failed", StringComparison.OrdinalIgnoreCase)) ?? lines.LastOrDefault() ?? "no reason given";
    }

    static (int Code, string Output, string Error) Run(string tool, IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(info)!;
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output, error.Result);
        }
        catch (Win32Exception) { throw NotInstalled(tool); }
    }
}
