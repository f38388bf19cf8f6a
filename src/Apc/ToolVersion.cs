namespace Apc;

/// <summary>The version of apc, written into every result file.</summary>
public static class ToolVersion
{
    /// <summary>The version text.</summary>
    public static string Text { get; } =
        typeof(ToolVersion).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
