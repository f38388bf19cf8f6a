using Apc.Util;

namespace Apc.Cli.Experiments;

/// <summary>Runs one experiment stage: its apc command line, then, only when that succeeded, its done marker holding the
/// stage's fingerprint (taken before the stage runs, from the inputs it runs on; <see cref="StageFingerprint"/>). The
/// local executor calls this for each stage in turn; each Slurm job calls it through <c>apc stage</c>, so both run the
/// same verb with the same arguments and leave the same marker. A stage that fails or is killed leaves no marker, so its
/// half-written outputs are never taken as done.</summary>
public static class StageJob
{
    /// <exception cref="ApcException">The stage's command failed (its own error line was printed first), or the marker
    /// cannot be written.</exception>
    public static void Run(string label, IReadOnlyList<string> arguments, string doneMarker)
    {
        var markerFolder = Path.GetDirectoryName(Path.GetFullPath(doneMarker))!;
        var fingerprint = StageFingerprint.Of(arguments);
        int code = ApcApp.Run(arguments.ToArray());
        if (code != 0)
            throw new ApcException($"experiment stage '{label}' failed (exit code {code}); fix the cause and rerun the same command to continue.");
        AtomicFile.EnsureWritableFolder(markerFolder, "done marker folder");
        AtomicFile.WriteJson(doneMarker, StageFingerprint.Marker(fingerprint));
    }

    /// <summary>The command line a forced run uses: the same, without --resume and with --force.</summary>
    public static string[] Forced(IReadOnlyList<string> arguments) =>
        arguments.Contains("--force") ? arguments.Where(a => a != "--resume").ToArray() : arguments.Where(a => a != "--resume").Append("--force").ToArray();
}
