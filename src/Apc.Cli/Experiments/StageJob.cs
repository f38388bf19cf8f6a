using Apc.Util;

namespace Apc.Cli.Experiments;

/// <summary>Runs one experiment stage: its apc command line, then, only when that succeeded, its done marker holding the
/// stage's fingerprint (taken before the stage runs, from the inputs it runs on; <see cref="StageFingerprint"/>). The
/// local executor calls this for each stage in turn; each Slurm job calls it through <c>apc stage</c>, so both run the
/// same verb with the same arguments and leave the same marker. A stage that fails or is killed leaves no marker, so its
/// half-written outputs are never taken as done. While the command runs, a running marker beside the done marker
/// (<see cref="RunningMarker"/>: process id, host, start time) lets <c>apc experiment --status</c> tell a running local
/// stage from one that was interrupted.</summary>
public static class StageJob
{
    /// <summary>DONE → DONE.running: present only while the stage's command runs (removed when it ends, however).</summary>
    public static string RunningMarker(string doneMarker) => doneMarker + ".running";

    /// <summary>DONE → DONE.failed: written when the stage's command failed (exit code, when), removed when it runs again.</summary>
    public static string FailedMarker(string doneMarker) => doneMarker + ".failed";

    /// <summary>A failed marker's contents: the stage's exit code and when it ended.</summary>
    public sealed record Failure(int ExitCode, DateTime EndedUtc);

    /// <summary>The failure recorded beside <paramref name="doneMarker"/>; null when there is none or it is unreadable.</summary>
    public static Failure? ReadFailure(string doneMarker)
    {
        try
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(FailedMarker(doneMarker)));
            return new Failure((int)json!["exit_code"]!, DateTime.Parse((string)json["ended"]!, null, System.Globalization.DateTimeStyles.RoundtripKind));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or NullReferenceException
                                  or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>A running marker's contents: who runs the stage, since when.</summary>
    public sealed record Running(int ProcessId, string Host, DateTime StartedUtc);

    /// <summary>True when the marker's process still runs on this host (a marker of another host cannot be checked: false).</summary>
    public static bool IsAlive(Running running)
    {
        if (running.Host != Environment.MachineName) return false;
        try { using var p = System.Diagnostics.Process.GetProcessById(running.ProcessId); return !p.HasExited; }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { return false; }
    }

    /// <summary>Refuses to start a stage whose command another process on this host is still running (a rerun while an
    /// earlier run's stages live on, e.g. after its parent was killed): two writers would share one folder.</summary>
    /// <exception cref="ApcException">A stage of <paramref name="stages"/> is running.</exception>
    public static void RequireNotRunning(IEnumerable<ExperimentStage> stages, string outDir)
    {
        foreach (var stage in stages)
            if (!File.Exists(stage.DoneMarker) && ReadRunning(stage.DoneMarker) is { } running && running.ProcessId != Environment.ProcessId && IsAlive(running))
                throw new ApcException($"--out '{outDir}': stage '{stage.Label}' is still running (pid {running.ProcessId}, started " +
                    $"{running.StartedUtc.ToLocalTime():yyyy-MM-dd HH:mm}); wait for it to finish or stop it (kill {running.ProcessId}), then rerun.");
    }

    /// <summary>The running marker of <paramref name="doneMarker"/>'s stage, or null when there is none (or it is unreadable).</summary>
    public static Running? ReadRunning(string doneMarker)
    {
        try
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(RunningMarker(doneMarker)));
            return new Running((int)json!["pid"]!, (string)json["host"]!, DateTime.Parse((string)json["started"]!, null, System.Globalization.DateTimeStyles.RoundtripKind));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or NullReferenceException
                                  or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <exception cref="ApcException">The stage's command failed (its own error line was printed first; a
    /// <see cref="UsageException"/> when it exited 2, a usage error), or the marker cannot be written.</exception>
    public static void Run(string label, IReadOnlyList<string> arguments, string doneMarker)
    {
        var markerFolder = Path.GetDirectoryName(Path.GetFullPath(doneMarker))!;
        var fingerprint = StageFingerprint.Of(arguments);
        AtomicFile.EnsureWritableFolder(markerFolder, "done marker folder");
        var running = RunningMarker(doneMarker);
        Delete(FailedMarker(doneMarker));
        AtomicFile.WriteJson(running, new System.Text.Json.Nodes.JsonObject
        {
            ["pid"] = Environment.ProcessId, ["host"] = Environment.MachineName, ["started"] = DateTime.UtcNow.ToString("o"),
        });
        int code;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try { code = ApcApp.Run(WithoutResumeOfNothing(arguments)); }
        finally
        {
            Delete(running); // a --force stage may have replaced its folder
        }
        if (code != 0)
        {
            try
            {
                AtomicFile.EnsureWritableFolder(markerFolder, "done marker folder");
                AtomicFile.WriteJson(FailedMarker(doneMarker), new System.Text.Json.Nodes.JsonObject
                {
                    ["exit_code"] = code, ["ended"] = DateTime.UtcNow.ToString("o"), ["host"] = Environment.MachineName,
                });
            }
            catch (ApcException) { } // the stage's own error matters more than the note about it
            // A usage error of the stage's command stays one (exit code 2), so that apc stage exits as the verb did.
            var message = $"experiment stage '{label}' failed (exit code {code}); fix the cause and rerun the same command to continue.";
            throw code == 2 ? new UsageException(message) : new ApcException(message);
        }
        AtomicFile.EnsureWritableFolder(markerFolder, "done marker folder");
        AtomicFile.WriteJson(doneMarker, StageFingerprint.Marker(fingerprint, clock.Elapsed));
    }

    static void Delete(string path)
    {
        try { File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>The stage's command line without --resume when its --out holds no run yet (no fingerprint.json): a first
    /// run then starts as the verb would without --resume, instead of saying that there is nothing to resume. The
    /// stage's fingerprint does not include --resume, so both forms are the same stage.</summary>
    public static string[] WithoutResumeOfNothing(IReadOnlyList<string> arguments)
    {
        int outAt = arguments.ToList().IndexOf("--out");
        if (!arguments.Contains("--resume") || outAt < 0 || outAt + 1 >= arguments.Count) return arguments.ToArray();
        return File.Exists(Path.Combine(arguments[outAt + 1], RunFolder.FingerprintFile)) ? arguments.ToArray() : arguments.Where(a => a != "--resume").ToArray();
    }

    /// <summary>The command line a forced run uses: the same, without --resume and with --force.</summary>
    public static string[] Forced(IReadOnlyList<string> arguments) =>
        arguments.Contains("--force") ? arguments.Where(a => a != "--resume").ToArray() : arguments.Where(a => a != "--resume").Append("--force").ToArray();
}
