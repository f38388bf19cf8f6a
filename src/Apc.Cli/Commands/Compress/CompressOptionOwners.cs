using System.Reflection;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

/// <summary>Which compress sub-commands have an option, read from their settings types: the message for an option given
/// to a method that does not have it names the methods that do.</summary>
public static class CompressOptionOwners
{
    /// <summary>Every settings type deriving from <see cref="CompressSettings"/>, with the method it is for.</summary>
    static readonly (string Method, Type Settings)[] SubCommands = typeof(CompressSettings).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(CompressSettings)) && !t.IsAbstract)
        .Select(t => (((CompressSettings)Activator.CreateInstance(t)!).Method, t)).ToArray();

    /// <summary>The long option names (with "--") of a sub-command's settings type, inherited ones included.</summary>
    public static IEnumerable<string> Options(Type settings) =>
        settings.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<CommandOptionAttribute>())
            .Where(a => a is not null)
            .SelectMany(a => a!.LongNames.Select(n => "--" + n));

    /// <summary>The settings type of the compress sub-command <paramref name="method"/> ("kd"), or null.</summary>
    public static Type? SettingsOf(string method) => SubCommands.FirstOrDefault(s => s.Method == method).Settings;

    /// <summary>The sub-commands that have <paramref name="option"/> ("--ratio").</summary>
    public static IReadOnlyList<string> Of(string option) =>
        SubCommands.Where(s => Options(s.Settings).Contains(option)).Select(s => s.Method).ToList();

    /// <summary>The one-line message for an unknown option of `apc compress METHOD`, or null when the option belongs to no
    /// compress method (Spectre's own message then stands).</summary>
    public static string? UnknownOptionMessage(string method, string option)
    {
        var owners = Of(option).Where(o => o != CompressStages.Pipeline).Order(StringComparer.Ordinal).ToList();
        if (owners.Count == 0 || !SubCommands.Any(s => s.Method == method)) return null;
        string names = owners.Count == 1 ? owners[0] : string.Join(", ", owners.Take(owners.Count - 1)) + " and " + owners[^1];
        return $"{option} is an option of {names}, not of compress {method}; see apc compress {owners[0]} --help.";
    }
}
