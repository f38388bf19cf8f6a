namespace Apc.Cli.Settings;

/// <summary>What a verb prints on stdout: the human tables (table) or one JSON document and nothing else (json), for
/// scripts. With json, progress and messages go to stderr.</summary>
public enum OutputFormat { Table, Json }

/// <summary>Parses --format.</summary>
public static class OutputFormats
{
    public const string Description = "What stdout gets: table (for people) or json (one JSON document and nothing else; progress goes to stderr).";

    public static OutputFormat Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "table" => OutputFormat.Table,
        "json" => OutputFormat.Json,
        _ => throw new UsageException($"--format '{text}': expected table or json."),
    };
}
