using System.Globalization;
using System.Text;

namespace Apc.Reporting;

/// <summary>Renders a GitHub-flavoured Markdown table (for results.md): columns padded to equal width so the
/// file reads well as plain text, columns whose every cell is a number (with its unit and interval, or n/a) right-aligned, '|' escaped and line
/// breaks turned into spaces so a cell cannot break the table.</summary>
public static class MarkdownTable
{
    /// <summary>The table as Markdown text, one line per row ending in "\n": header, alignment line, then
    /// <paramref name="rows"/> in order. Throws <see cref="ArgumentException"/> when there is no header or a row's
    /// cell count differs from the header count.</summary>
    public static string Render(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        CheckShape(headers, rows);
        var head = headers.Select(Clean).ToArray();
        var body = rows.Select(row => row.Select(Clean).ToArray()).ToArray();
        int columns = head.Length;
        var widths = new int[columns];
        var numeric = new bool[columns];
        for (int c = 0; c < columns; c++)
        {
            widths[c] = Math.Max(3, body.Select(row => row[c].Length).Append(head[c].Length).Max());
            numeric[c] = body.Length > 0 && body.All(row => row[c].Length == 0 || IsPlaceholder(row[c]) || LooksNumeric(row[c]))
                         && body.Any(row => LooksNumeric(row[c]));
        }

        var text = new StringBuilder();
        void Line(IEnumerable<string> cells) => text.Append("| ").Append(string.Join(" | ", cells)).Append(" |\n");
        Line(head.Select((h, c) => h.PadRight(widths[c])));
        Line(widths.Select((w, c) => numeric[c] ? new string('-', w - 1) + ":" : new string('-', w)));
        foreach (var row in body)
            Line(row.Select((cell, c) => numeric[c] ? cell.PadLeft(widths[c]) : cell.PadRight(widths[c])));
        return text.ToString();
    }

    /// <summary>At least one header, and as many cells in every row as there are headers.</summary>
    internal static void CheckShape(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(rows);
        if (headers.Count == 0)
            throw new ArgumentException("a table needs at least one column header.", nameof(headers));
        for (int r = 0; r < rows.Count; r++)
            if (rows[r] is null || rows[r].Count != headers.Count)
                throw new ArgumentException(
                    $"table row {r} has {rows[r]?.Count ?? 0} cells but there are {headers.Count} headers.", nameof(rows));
    }

    /// <summary>A number as results print them: optional sign, digits, decimals, exponent, a trailing '%' or
    /// '±' uncertainty ("0.81 ± 0.02").</summary>
    /// <summary>A number as the tables write it: an optional sign (ASCII or the typographic minus), digits, an optional
    /// unit (%, pp) and an optional interval in brackets or ± spread: "12%", "0.81 ± 0.02", "−0.8 [−2.9, +1.3] pp",
    /// "1205 / 1155" (pairs scored by two models).</summary>
    const string Value = @"(?:[+\-−]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+\-]?\d+)?|NaN)";
    static readonly System.Text.RegularExpressions.Regex Number = new(
        $@"^{Value}\s*%?(?:\s*(?:±|/)\s*{Value}\s*%?)?(?:\s*\[{Value},\s*{Value}\])?(?:\s*pp)?$",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>Whether a cell is a number (<see cref="Number"/>); a placeholder for "no value" (n/a, —) counts as empty.</summary>
    internal static bool LooksNumeric(string cell) => Number.IsMatch(cell.Trim());

    static bool IsPlaceholder(string cell) => cell.Trim() is "n/a" or "—" or "-";

    private static string Clean(string? cell) =>
        (cell ?? "").Replace("\r\n", " ").Replace('\n', ' ').Replace('\r', ' ').Replace("|", "\\|");
}
