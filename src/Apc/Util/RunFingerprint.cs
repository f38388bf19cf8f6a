using System.Globalization;
using System.Text.Json.Nodes;

namespace Apc.Util;

/// <summary>What produced a piece of work (a trained model, a compressed model, an evaluation, an experiment
/// stage): every setting that determines its result, flattened to <c>key → value text</c> with dotted keys
/// ("steps.0.training.Epochs"). Two runs with equal fingerprints compute the same thing; a cached or resumed
/// result is reused only when its stored fingerprint equals the fingerprint of the run asking for it.
/// Values are compared as text (strings as they are, numbers and booleans as JSON writes them).</summary>
public sealed class RunFingerprint
{
    readonly SortedDictionary<string, string> settings;

    RunFingerprint(SortedDictionary<string, string> settings) => this.settings = settings;

    /// <summary>The flattened settings, sorted by key.</summary>
    public IReadOnlyDictionary<string, string> Settings => settings;

    /// <summary>Flattens <paramref name="settings"/> (objects and arrays nest with dotted keys; null values are kept
    /// as "null", so a setting that appears or disappears counts as a difference) and adds the tool version.</summary>
    public static RunFingerprint Of(JsonObject settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var flat = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Flatten(settings, "", flat);
        flat.TryAdd("tool_version", ToolVersion.Text);
        return new RunFingerprint(flat);
    }

    /// <summary>Reads a fingerprint written by <see cref="ToJson"/>; null when the node is not one.</summary>
    public static RunFingerprint? FromJson(JsonNode? node)
    {
        if (node is not JsonObject obj) return null;
        var flat = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            if (value is not JsonValue v || !v.TryGetValue<string>(out var text)) return null;
            flat[key] = text;
        }
        return new RunFingerprint(flat);
    }

    /// <summary>One JSON object, key → value text, keys sorted.</summary>
    public JsonObject ToJson()
    {
        var obj = new JsonObject();
        foreach (var (key, value) in settings) obj[key] = value;
        return obj;
    }

    /// <summary>Settings apc began to record after fingerprints had been written without them: the thread count of a
    /// training run ("threads") and of an experiment stage that trains ("--threads"). A fingerprint that lacks one was
    /// written before it was recorded; <see cref="DifferencesFrom"/> takes it as made with today's value (the work is
    /// reused, not refused) and <see cref="Unrecorded"/> names it so that the caller can say so.</summary>
    public static readonly IReadOnlySet<string> AddedLater = new HashSet<string>(StringComparer.Ordinal) { "threads", "--threads" };

    /// <summary>The <see cref="AddedLater"/> settings this fingerprint has and <paramref name="before"/> lacks (it was written
    /// before apc recorded them), with their values now.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Unrecorded(RunFingerprint before)
    {
        ArgumentNullException.ThrowIfNull(before);
        return settings.Where(kv => AddedLater.Contains(kv.Key) && !before.settings.ContainsKey(kv.Key)).ToList();
    }

    /// <summary>When <paramref name="key"/> is the one setting that differs from <paramref name="before"/> (recorded in both):
    /// its value before and now, so that a caller can name the one fix (the thread count: pass --threads N); null otherwise.</summary>
    public (string Before, string Now)? OnlyChange(RunFingerprint before, string key)
    {
        ArgumentNullException.ThrowIfNull(before);
        return before.settings.GetValueOrDefault(key) is { } was && settings.GetValueOrDefault(key) is { } now && was != now
            && DifferencesFrom(before).Count == 1 ? (was, now) : null;
    }

    /// <summary>The settings that differ, each as "key: A before, B now" (a missing key reads "unset"); empty when equal.
    /// An <see cref="AddedLater"/> setting that <paramref name="before"/> lacks is not a difference.
    /// The ones a user most likely changed come first, so that a short <see cref="Describe"/> names them: top-level
    /// settings and what kind of thing a section is (<c>matching.kind</c>, <c>steps.0.method</c>); then the details of a
    /// section (<c>matching.drop</c>, which changes along with its kind) and settings that appear or disappear; last, digests and versions that follow from
    /// other changes (SHA-256 of inputs, data files, tool version). Alphabetical within each group.</summary>
    public IReadOnlyList<string> DifferencesFrom(RunFingerprint before)
    {
        ArgumentNullException.ThrowIfNull(before);
        var keys = new SortedSet<string>(settings.Keys, StringComparer.Ordinal);
        keys.UnionWith(before.settings.Keys);
        var differences = new List<(int Rank, string Text)>();
        foreach (var key in keys)
        {
            var was = before.settings.GetValueOrDefault(key);
            var now = settings.GetValueOrDefault(key);
            if (was is null && AddedLater.Contains(key)) continue;
            if (was != now) differences.Add((Rank(key, was, now), $"{key}: {Shown(was)} before, {Shown(now)} now"));
        }
        return differences.OrderBy(d => d.Rank).Select(d => d.Text).ToList(); // a stable sort: keys stay in order within a rank
    }

    /// <summary>A value as a difference line shows it: "unset" when absent, "empty" for the empty text (an empty
    /// --lr-steps), so that no value prints as nothing.</summary>
    static string Shown(string? value) => value switch { null => "unset", "" => "empty", _ => value };

    static int Rank(string key, string? was, string? now)
    {
        bool Digest(string? v) => v is not null && v.StartsWith("sha256:", StringComparison.Ordinal);
        if (Digest(was) || Digest(now) || key == "tool_version" || key.EndsWith(".files", StringComparison.Ordinal)) return 2;
        if (was is null || now is null) return 1; // a setting that appears or goes with another change (occlusion's patch with --methods)
        int dot = key.LastIndexOf('.');
        if (dot < 0) return 0;
        return key[(dot + 1)..] is "kind" or "method" or "name" ? 0 : 1;
    }

    /// <summary>A short summary of <see cref="DifferencesFrom"/> for an error line: the first few, then a count.</summary>
    public static string Describe(IReadOnlyList<string> differences, int shown = 4) =>
        string.Join("; ", differences.Take(shown)) + (differences.Count > shown ? $"; and {differences.Count - shown} more" : "");

    static void Flatten(JsonNode? node, string prefix, IDictionary<string, string> into)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj) Flatten(value, prefix.Length == 0 ? key : prefix + "." + key, into);
                if (obj.Count == 0) into[prefix] = "{}";
                break;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++) Flatten(array[i], prefix + "." + i.ToString(CultureInfo.InvariantCulture), into);
                if (array.Count == 0) into[prefix] = "[]";
                break;
            case null:
                into[prefix] = "null";
                break;
            default:
                into[prefix] = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.ToJsonString();
                break;
        }
    }
}
