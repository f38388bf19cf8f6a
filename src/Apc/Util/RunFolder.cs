using System.Text.Json.Nodes;

namespace Apc.Util;

/// <summary>How a run may use an output folder that already holds work.</summary>
public enum FolderReuse
{
    /// <summary>No --resume, no --force: an earlier run's outputs are never replaced silently.</summary>
    Refuse,
    /// <summary>--resume: continue the earlier run, which must have the same fingerprint.</summary>
    Resume,
    /// <summary>--force: replace whatever is there and start afresh.</summary>
    Replace,
    /// <summary>Recompute in place when the settings are equal (a pure computation such as an evaluation, nothing to
    /// resume); a folder made with other settings still needs --force.</summary>
    Recompute,
    /// <summary>Redraw: an earlier run of the same verb is replaced whatever its settings (a picture that takes seconds,
    /// such as apc explain, whose user reruns it into the same folder); the run removes that earlier run's outputs. Another
    /// verb's folder is refused (its message does not offer --force); outputs with no fingerprint still need --force.</summary>
    Redraw,
}

/// <summary>Claims an output folder for a run: a folder is recognised by what produced it (its
/// <c>fingerprint.json</c>), never by its name. A folder whose outputs came from other settings is refused with the
/// settings that differ and what to do; a finished or partial run with equal settings is refused unless the run
/// resumes it or replaces it. On success the run's fingerprint is written (atomically) before any work starts, so a
/// kill at any moment leaves a folder that tells what it holds.</summary>
public static class RunFolder
{
    /// <summary>The file that records what produced a run folder.</summary>
    public const string FingerprintFile = "fingerprint.json";

    /// <summary>Checks <paramref name="dir"/> against <paramref name="fingerprint"/> and records it there.</summary>
    /// <param name="dir">The output folder (created when absent).</param>
    /// <param name="fingerprint">Every setting that determines the run's result.</param>
    /// <param name="reuse">What the user asked for (--resume, --force, neither).</param>
    /// <param name="outputs">File or folder names inside <paramref name="dir"/> whose presence means a run left work there.</param>
    /// <param name="option">The option that named the folder, for messages (--out).</param>
    /// <exception cref="ApcException">The folder holds work of other settings, or finished work that would be replaced
    /// silently; the message names the differing settings and the remedy.</exception>
    public static void Claim(string dir, RunFingerprint fingerprint, FolderReuse reuse, IReadOnlyList<string> outputs, string option = "--out")
    {
        Check(dir, fingerprint, reuse, outputs, option);
        AtomicFile.WriteJson(Path.Combine(dir, FingerprintFile), fingerprint.ToJson());
    }

    /// <summary>The checks of <see cref="Claim"/> without recording anything: for a run that computes first and claims
    /// the folder only when it has a result to write (so that a failure leaves the earlier run's outputs and their
    /// fingerprint as they were), and still refuses a wrong folder before any work.</summary>
    /// <exception cref="ApcException">As <see cref="Claim"/>.</exception>
    public static void Check(string dir, RunFingerprint fingerprint, FolderReuse reuse, IReadOnlyList<string> outputs, string option = "--out")
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        AtomicFile.EnsureWritableFolder(dir, option);
        var path = Path.Combine(dir, FingerprintFile);
        var left = outputs.Where(name => File.Exists(Path.Combine(dir, name)) || Directory.Exists(Path.Combine(dir, name))).ToList();
        if (reuse != FolderReuse.Replace)
        {
            var before = File.Exists(path) ? Read(path) : null;
            if (before is null && left.Count > 0)
                throw new ApcException($"{option} '{dir}' already holds {left[0]} from a run whose settings are not recorded (no {FingerprintFile}); " +
                    "pass --force to replace it, or choose another --out.");
            if (before is not null)
            {
                // Another verb's folder (an evaluation into a compression's --out): its outputs are not this run's, so the
                // checks below would not see them, and replacing its fingerprint would make it unresumable.
                if (before.Settings.GetValueOrDefault("verb") is { } otherVerb && fingerprint.Settings.GetValueOrDefault("verb") is { } verb && otherVerb != verb)
                    throw new ApcException($"{option} '{dir}' holds the output of apc {otherVerb} (its {FingerprintFile}); apc {verb} writes into a folder " +
                        (reuse == FolderReuse.Redraw ? "of its own: choose another --out (--force does not apply to another command's folder)."
                            : "of its own: choose another --out, or pass --force to write there anyway."));
                if (reuse == FolderReuse.Redraw) return;
                var differences = fingerprint.DifferencesFrom(before);
                if (left.Count > 0 && fingerprint.OnlyChange(before, "threads") is var (threads, now))
                    throw new ApcException($"{option} '{dir}' holds a run trained with {(int.TryParse(threads, out var n) ? Plural.Of(n, "intra-op thread") : threads)}; this run would use {now} " +
                        "(--threads; without it torch's default), and the count changes the weights; " +
                        $"pass --threads {threads} to continue it, --force to replace it, or choose another --out.");
                if (differences.Count == 0 && left.Count > 0 && fingerprint.Unrecorded(before) is { Count: > 0 } unrecorded)
                    Console.Error.WriteLine($"note: {option} '{dir}' was made before apc recorded " +
                        string.Join(", ", unrecorded.Select(u => $"'{u.Key}'")) + "; taken as made with this run's (" +
                        string.Join(", ", unrecorded.Select(u => $"{u.Key} {u.Value}")) + ").");
                if (differences.Count > 0 && left.Count > 0)
                    throw new ApcException($"{option} '{dir}' holds a run made with other settings ({RunFingerprint.Describe(differences)}; keys as in its {FingerprintFile}); " +
                        "pass --force to replace it, or choose another --out.");
                if (differences.Count == 0 && reuse == FolderReuse.Refuse && left.Count > 0)
                    throw new ApcException($"{option} '{dir}' already holds {left[0]} from a run with these settings; " +
                        "pass --resume to continue it, --force to redo it, or choose another --out.");
            }
        }
    }

    /// <summary>The fingerprint recorded in <paramref name="dir"/>, or null when there is none.</summary>
    public static RunFingerprint? Recorded(string dir)
    {
        var path = Path.Combine(dir, FingerprintFile);
        return File.Exists(path) ? Read(path) : null;
    }

    static RunFingerprint Read(string path)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        { throw new ApcException($"'{path}' is unreadable ({e.Message}); pass --force to replace the run, or choose another --out."); }
        return RunFingerprint.FromJson(node)
            ?? throw new ApcException($"'{path}' is not a run fingerprint; pass --force to replace the run, or choose another --out.");
    }
}
