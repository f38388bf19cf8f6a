using SkiaSharp;

namespace Apc.Reporting;

/// <summary>Lays pictures out in a labelled grid: an optional title, column labels above the columns, row
/// labels to the left of the rows. Each column is as wide as its widest picture and each row as tall as its
/// tallest; smaller pictures are centred in their slot. Rows may be ragged and cells null (left blank).
/// Labels may hold several lines separated by '\n'.</summary>
public static class ImageGrid
{
    /// <summary>The grid as PNG bytes. The bitmaps stay owned by the caller.</summary>
    public static byte[] Compose(IReadOnlyList<IReadOnlyList<SKBitmap?>> rows,
        IReadOnlyList<string>? rowLabels = null, IReadOnlyList<string>? columnLabels = null, GridStyle? style = null)
    {
        using var grid = ComposeBitmap(rows, rowLabels, columnLabels, style);
        return Png.Encode(grid);
    }

    /// <summary>The grid as PNG bytes, from cells given as PNG bytes.</summary>
    public static byte[] Compose(IReadOnlyList<IReadOnlyList<byte[]?>> rows,
        IReadOnlyList<string>? rowLabels = null, IReadOnlyList<string>? columnLabels = null, GridStyle? style = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var decoded = new List<List<SKBitmap?>>();
        try
        {
            for (int r = 0; r < rows.Count; r++)
            {
                var row = new List<SKBitmap?>();
                decoded.Add(row);
                var cells = rows[r] ?? throw new ArgumentException($"grid row {r} is null.", nameof(rows));
                for (int c = 0; c < cells.Count; c++)
                    row.Add(cells[c] is { } png ? Png.Decode(png, $"grid cell (row {r}, column {c})") : null);
            }
            return Compose(decoded, rowLabels, columnLabels, style);
        }
        finally
        {
            foreach (var bitmap in decoded.SelectMany(row => row))
                bitmap?.Dispose();
        }
    }

    /// <summary>The grid as a bitmap that the caller owns.</summary>
    public static SKBitmap ComposeBitmap(IReadOnlyList<IReadOnlyList<SKBitmap?>> rows,
        IReadOnlyList<string>? rowLabels = null, IReadOnlyList<string>? columnLabels = null, GridStyle? style = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        style ??= new GridStyle();
        style.Validate();
        for (int r = 0; r < rows.Count; r++)
            if (rows[r] is null)
                throw new ArgumentException($"grid row {r} is null.", nameof(rows));
        if (rowLabels is not null && rowLabels.Count != rows.Count)
            throw new ArgumentException($"grid has {rows.Count} rows but {rowLabels.Count} row labels.", nameof(rowLabels));

        using var font = new LabelFont(style.FontSize, style.BuiltInFont);
        using var titleFont = new LabelFont(style.FontSize * 1.3f, style.BuiltInFont);
        int columns = Math.Max(rows.Count == 0 ? 0 : rows.Max(row => row.Count), columnLabels?.Count ?? 0);
        int gap = style.Gap;

        var columnWidths = new int[columns];
        for (int c = 0; c < columns; c++)
        {
            foreach (var row in rows)
                if (c < row.Count && row[c] is { } cell)
                    columnWidths[c] = Math.Max(columnWidths[c], cell.Width);
            if (columnWidths[c] == 0 && columnLabels is not null && c < columnLabels.Count)
                columnWidths[c] = (int)MathF.Ceiling(Lines(columnLabels[c]).Max(font.Measure));
        }

        int rowLabelWidth = 0;
        if (rowLabels is not null)
            foreach (var label in rowLabels)
                foreach (var line in Lines(label))
                    rowLabelWidth = Math.Max(rowLabelWidth, Math.Min(style.MaxRowLabelWidth, (int)MathF.Ceiling(font.Measure(line))));
        int labelColumn = rowLabelWidth > 0 ? rowLabelWidth + gap : 0;

        var rowHeights = new int[rows.Count];
        for (int r = 0; r < rows.Count; r++)
        {
            foreach (var cell in rows[r])
                if (cell is not null)
                    rowHeights[r] = Math.Max(rowHeights[r], cell.Height);
            if (rowLabels is not null)
                rowHeights[r] = Math.Max(rowHeights[r], Lines(rowLabels[r]).Length * font.LineHeight);
        }

        int headerLines = columnLabels is null || columnLabels.Count == 0 ? 0 : columnLabels.Max(label => Lines(label).Length);
        int header = headerLines > 0 ? headerLines * font.LineHeight + gap : 0;
        var titleLines = string.IsNullOrEmpty(style.Title) ? [] : Lines(style.Title);
        int title = titleLines.Length > 0 ? titleLines.Length * titleFont.LineHeight + gap : 0;

        int width = 2 * style.Padding + labelColumn + columnWidths.Sum() + gap * Math.Max(0, columns - 1);
        int height = 2 * style.Padding + title + header + rowHeights.Sum() + gap * Math.Max(0, rows.Count - 1);
        width = Math.Max(width, 1);
        height = Math.Max(height, 1);

        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(style.Background);
        var ink = Raster.TextColor;

        int contentLeft = style.Padding + labelColumn, contentWidth = width - 2 * style.Padding;
        for (int i = 0; i < titleLines.Length; i++)
        {
            var text = titleFont.Fit(titleLines[i], contentWidth);
            titleFont.Draw(canvas, text, style.Padding + (contentWidth - titleFont.Measure(text)) / 2,
                style.Padding + i * titleFont.LineHeight, ink);
        }

        var columnLefts = new int[columns];
        for (int c = 0, x = contentLeft; c < columns; x += columnWidths[c] + gap, c++)
            columnLefts[c] = x;

        int headerTop = style.Padding + title;
        if (columnLabels is not null)
            for (int c = 0; c < columnLabels.Count; c++)
            {
                var lines = Lines(columnLabels[c]);
                // Bottom-aligned, so one-line labels sit right above their pictures.
                int top = headerTop + (headerLines - lines.Length) * font.LineHeight;
                for (int i = 0; i < lines.Length; i++)
                {
                    var text = font.Fit(lines[i], columnWidths[c]);
                    font.Draw(canvas, text, columnLefts[c] + (columnWidths[c] - font.Measure(text)) / 2, top + i * font.LineHeight, ink);
                }
            }

        for (int r = 0, y = headerTop + header; r < rows.Count; y += rowHeights[r] + gap, r++)
        {
            if (rowLabels is not null)
            {
                var lines = Lines(rowLabels[r]);
                int top = y + (rowHeights[r] - lines.Length * font.LineHeight) / 2;
                for (int i = 0; i < lines.Length; i++)
                    font.Draw(canvas, font.Fit(lines[i], rowLabelWidth), style.Padding, top + i * font.LineHeight, ink);
            }
            for (int c = 0; c < rows[r].Count; c++)
                if (rows[r][c] is { } cell)
                    canvas.DrawBitmap(cell, columnLefts[c] + (columnWidths[c] - cell.Width) / 2, y + (rowHeights[r] - cell.Height) / 2);
        }
        return bitmap;
    }

    private static string[] Lines(string? label) => (label ?? "").Split('\n');
}
