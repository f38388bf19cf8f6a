using Apc.Attribution;

namespace Apc.Cli.Commands;

/// <summary>Attribution method names as the command line accepts them: the registry's names (<see cref="AttributionMethods.Names"/>),
/// any case, plus the names the reference code and the papers use. Every --methods list is resolved here first, so that
/// files and tables name a method one way (evaluation.json says "gradcam" whether the user typed gcam or Grad-CAM).</summary>
public static class MethodNames
{
    /// <summary>Other names → the registry's name.</summary>
    public static IReadOnlyDictionary<string, string> Aliases { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["gcam"] = "gradcam",                 // the reference code's name
        ["grad-cam"] = "gradcam",
        ["grad-cam++"] = "gradcam++",
        ["ebp"] = "excitation-backprop",      // the reference code's name
    };

    /// <summary>The registry's name for <paramref name="name"/> (trimmed, lower case, alias resolved); unknown names are
    /// returned as they are, for <see cref="AttributionMethods.Create"/> to refuse with the list of valid ones.</summary>
    public static string Canonical(string name)
    {
        var key = (name ?? "").Trim().ToLowerInvariant();
        return Aliases.TryGetValue(key, out var canonical) ? canonical : key;
    }

    /// <summary>A comma-separated --methods list: canonical names, each checked by creating it (before any work); no empty list.</summary>
    public static string[] ParseList(string list)
    {
        var methods = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Canonical).ToArray();
        if (methods.Length == 0) throw new UsageException("--methods: give at least one attribution method.");
        foreach (var m in methods) AttributionMethods.Create(m);
        return methods;
    }
}
