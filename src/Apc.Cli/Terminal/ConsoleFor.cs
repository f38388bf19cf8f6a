using System.Text.Json;
using System.Text.Json.Nodes;
using Apc.Cli.Settings;
using Spectre.Console;

namespace Apc.Cli.Terminal;

/// <summary>Where a verb's human output goes: stdout for --format table; stderr for --format json, whose stdout
/// carries the one JSON document and nothing else.</summary>
public static class ConsoleFor
{
    public static IAnsiConsole Format(OutputFormat format) => format == OutputFormat.Json ? Error : AnsiConsole.Console;

    /// <summary>A console on stderr, with the width rules of <see cref="ConsoleWidth"/>.</summary>
    public static IAnsiConsole Error
    {
        get
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            ConsoleWidth.Apply(console.Profile, Console.IsErrorRedirected);
            return console;
        }
    }

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes <paramref name="json"/> to stdout as one indented document.</summary>
    public static void WriteJson(JsonNode json)
    {
        Console.Out.WriteLine(json.ToJsonString(Indented));
        Console.Out.Flush();
    }
}
