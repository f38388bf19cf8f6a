using System.Globalization;
using System.Text.Json;

namespace Apc.Util;

/// <summary>A System.Text.Json parse error in an editor's terms. The parser's message ends in
/// "Path: $.x | LineNumber: 7 | BytePositionInLine: 2.", both counted from 0; an editor counts lines and columns from 1.</summary>
public static class JsonErrors
{
    /// <summary>The parser's reason, then "at line L, column C" counted from 1 (column in bytes: a character outside
    /// ASCII counts as its UTF-8 length), when the exception knows where: "'}' is invalid after a property name.
    /// Expected a ':', at line 8, column 3".</summary>
    public static string Describe(JsonException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var reason = e.Message.Split(" Path:")[0].Split(" LineNumber:")[0].TrimEnd('.', ' ', '|');
        if (e.LineNumber is not { } line) return reason;
        var at = string.Create(CultureInfo.InvariantCulture, $"line {line + 1}");
        if (e.BytePositionInLine is { } column) at += string.Create(CultureInfo.InvariantCulture, $", column {column + 1}");
        return $"{reason}, at {at}";
    }
}
