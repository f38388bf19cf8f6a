using Apc.Cli.Settings;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

/// <summary>The option a user probably meant when they gave one the verb does not have ("--epoch" for "--epochs"):
/// the verb's option nearest in edit distance, if it is near enough to be a slip rather than another word.</summary>
public static class OptionSuggestion
{
    /// <summary>The verb that <paramref name="args"/> start with, as a message names it ("train", "compress kd"), and its
    /// settings type (TrainSettings, KdSettings); null when there is none.</summary>
    public static (string Name, Type Settings)? VerbOf(IReadOnlyList<string> args)
    {
        if (args.Count == 0) return null;
        if (args[0] == "compress")
            return args.Count > 1 && CompressOptionOwners.SettingsOf(args[1]) is { } method ? ($"compress {args[1]}", method) : null;
        string name = string.Concat(args[0].Split('-').Select(p => p.Length == 0 ? p : char.ToUpperInvariant(p[0]) + p[1..])) + "Settings";
        var settings = typeof(CommonSettings).Assembly.GetTypes()
            .FirstOrDefault(t => t.Name == name && t.IsSubclassOf(typeof(CommandSettings)) && !t.IsAbstract);
        return settings is null ? null : (args[0], settings);
    }

    /// <summary>The option of <paramref name="settings"/> that <paramref name="given"/> most likely meant
    /// (<see cref="Closest(string, IEnumerable{string})"/> over its long options), as "; did you mean --x?", or "".</summary>
    public static string DidYouMean(string given, Type settings) =>
        Closest(given, CompressOptionOwners.Options(settings)) is { } near ? $"; did you mean {near}?" : "";

    /// <summary>The one option among <paramref name="options"/> ("--epochs") closest to <paramref name="given"/>
    /// ("--epoch") by edit distance (<see cref="Distance"/>), when that distance is at most 2 and less than a third of the
    /// name's length and no other option is as close; otherwise the one option that <paramref name="given"/> begins
    /// ("--teach" → "--teacher"); null when there is none.</summary>
    public static string? Closest(string given, IEnumerable<string> options)
    {
        var distinct = options.Distinct().ToList();
        var scored = distinct.Select(o => (Option: o, Distance: Distance(given, o))).OrderBy(s => s.Distance).ToList();
        if (scored.Count == 0) return null;
        var best = scored[0];
        int length = given.TrimStart('-').Length;
        if (best.Distance <= 2 && 3 * best.Distance < length)
            return scored.Count > 1 && scored[1].Distance == best.Distance ? null : best.Option;
        // A name cut short ("--teach" for "--teacher"): the one option it begins.
        var longer = distinct.Where(o => o.StartsWith(given, StringComparison.Ordinal)).ToList();
        return longer.Count == 1 && length >= 1 ? longer[0] : null;
    }

    /// <summary>The verbs of apc ("train", "evaluate", …): each command class's name without "Command", and the
    /// compress branch.</summary>
    public static IReadOnlyList<string> Verbs { get; } = typeof(CommonSettings).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && !t.IsGenericType && typeof(ICommand).IsAssignableFrom(t) && t.Name.EndsWith("Command", StringComparison.Ordinal))
        .Select(t => t.Name[..^"Command".Length].ToLowerInvariant()).Append("compress").Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>Edit distance with adjacent transpositions (optimal string alignment): the fewest single-character
    /// insertions, deletions, substitutions and swaps of two neighbours that turn <paramref name="a"/> into
    /// <paramref name="b"/> ("--ratoi" → "--ratio" is 1).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }
}
