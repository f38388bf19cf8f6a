namespace Apc;

public static class ToolVersion
{
    public static string Text { get; } =
        typeof(ToolVersion).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
