using System.Text.Json.Nodes;
using Apc.Util;

namespace Apc.Cli.Experiments;

/// <summary>The fingerprint of an experiment stage: its apc command line as option → value pairs, with every input
/// checkpoint (--teacher, --model, --reference, a --student file) replaced by its content's SHA-256 at the moment the
/// stage runs or is skipped. A stage's done marker stores it; a finished stage is skipped only when the marker's
/// fingerprint equals the stage's now. Left out: --out and --summary (where the stage writes, not a setting),
/// --reference-maps (where the reference's maps are kept: read or computed, they are the same maps),
/// --resume/--force/--verbose (-v), and --threads of a stage that does not train (an evaluation's numbers agree to
/// rounding whatever the count). A stage that trains (train, compress) records its thread count as it computes with it
/// (--threads, or torch's default for 0 or none: <see cref="TorchThreads.Effective"/>), because another count gives
/// other weights; markers written before apc recorded it are taken as made with today's count
/// (<see cref="RunFingerprint.AddedLater"/>).</summary>
public static class StageFingerprint
{
    static readonly HashSet<string> Ignored = new(StringComparer.Ordinal) { "--resume", "--force", "--verbose", "-v", "--threads", "--out", "--summary", "--reference-maps" };
    static readonly HashSet<string> Training = new(StringComparer.Ordinal) { "train", "compress" };
    static readonly HashSet<string> CheckpointOptions = new(StringComparer.Ordinal) { "--teacher", "--model", "--reference", "--student" };

    public static RunFingerprint Of(IReadOnlyList<string> arguments)
    {
        var settings = new JsonObject();
        int i = 0;
        var verb = new List<string>();
        while (i < arguments.Count && !arguments[i].StartsWith("--", StringComparison.Ordinal)) verb.Add(arguments[i++]);
        settings["command"] = string.Join(' ', verb);
        int threads = 0;
        while (i < arguments.Count)
        {
            var name = arguments[i++];
            string value = "true";
            if (i < arguments.Count && !arguments[i].StartsWith("--", StringComparison.Ordinal)) value = arguments[i++];
            if (name == "--threads" && int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)) threads = n;
            if (Ignored.Contains(name)) continue;
            if (CheckpointOptions.Contains(name) && (name != "--student" || value.EndsWith(".ckpt", StringComparison.OrdinalIgnoreCase)))
                value = File.Exists(value) ? "sha256:" + FileChecksum.Sha256(value) : "missing: " + value;
            settings[name] = value;
        }
        if (verb.Count > 0 && Training.Contains(verb[0])) settings["--threads"] = TorchThreads.Effective(threads).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return RunFingerprint.Of(settings);
    }

    /// <summary>The done marker's content: when the stage finished, how long its command ran (wall-clock seconds) and what
    /// it was.</summary>
    public static JsonObject Marker(RunFingerprint fingerprint, TimeSpan took) =>
        new() { ["finished"] = DateTime.UtcNow.ToString("O"), ["seconds"] = Math.Round(took.TotalSeconds, 1), ["fingerprint"] = fingerprint.ToJson() };

    /// <summary>How long the stage of a done marker ran (wall-clock seconds); null when the marker does not say (written
    /// before markers recorded it) or is unreadable.</summary>
    public static double? RecordedSeconds(string markerPath)
    {
        try { return JsonNode.Parse(File.ReadAllText(markerPath))?["seconds"]?.GetValue<double>(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException
                                  or InvalidOperationException or FormatException) { return null; }
    }

    /// <summary>The fingerprint a done marker recorded; null when the marker predates fingerprints or is unreadable.</summary>
    public static RunFingerprint? Recorded(string markerPath)
    {
        try { return RunFingerprint.FromJson(JsonNode.Parse(File.ReadAllText(markerPath))?["fingerprint"]); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException) { return null; }
    }
}
