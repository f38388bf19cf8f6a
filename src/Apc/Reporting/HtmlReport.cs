using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Apc.Util;

namespace Apc.Reporting;

/// <summary>Builds one self-contained HTML page: everything, images included (as base64 PNG data URIs), is in
/// the file, so it can be mailed, archived or opened offline and looks the same. No scripts, no external
/// links. All text is HTML-escaped. Blocks appear in the order they are added.</summary>
public sealed class HtmlReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private readonly StringBuilder _body = new();
    private int _images;

    /// <summary>An empty page titled <paramref name="title"/> (escaped; shown as the page's only level-1 heading and
    /// in the browser tab). Throws <see cref="ArgumentNullException"/> for a null title.</summary>
    public HtmlReport(string title)
    {
        ArgumentNullException.ThrowIfNull(title);
        Title = title;
    }

    /// <summary>The page title, as given (unescaped).</summary>
    public string Title { get; }

    /// <summary>Number of images added so far.</summary>
    public int ImageCount => _images;

    /// <summary>A heading; level 2 (sections) to 4. The title is the page's only level-1 heading.</summary>
    public HtmlReport Heading(string text, int level = 2)
    {
        if (level is < 2 or > 4)
            throw new ArgumentOutOfRangeException(nameof(level), level, "heading level must be 2..4 (the title is level 1).");
        _body.Append($"<h{level}>{Escape(text)}</h{level}>\n");
        return this;
    }

    /// <summary>A paragraph of plain text; blank lines ("\n\n") start new paragraphs.</summary>
    public HtmlReport Paragraph(string text)
    {
        foreach (var part in (text ?? "").Split("\n\n"))
            _body.Append($"<p>{Escape(part)}</p>\n");
        return this;
    }

    /// <summary>A table. Every row must have as many cells as there are headers. Cells listed in
    /// <paramref name="highlighted"/> as (row, column), counted from 0 over the body rows, are shaded (for
    /// example the best value per column). Cells that look like numbers are right-aligned.</summary>
    public HtmlReport Table(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows,
        IReadOnlySet<(int Row, int Column)>? highlighted = null, string? caption = null)
    {
        MarkdownTable.CheckShape(headers, rows);
        var html = _body;
        html.Append("<table>\n");
        if (!string.IsNullOrEmpty(caption))
            html.Append($"<caption>{Escape(caption)}</caption>\n");
        html.Append("<thead><tr>");
        foreach (var header in headers)
            html.Append($"<th>{Escape(header)}</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        for (int r = 0; r < rows.Count; r++)
        {
            html.Append("<tr>");
            for (int c = 0; c < headers.Count; c++)
            {
                var cell = rows[r][c] ?? "";
                var classes = new List<string>();
                if (MarkdownTable.LooksNumeric(cell)) classes.Add("num");
                if (highlighted?.Contains((r, c)) == true) classes.Add("hi");
                var attribute = classes.Count > 0 ? $" class=\"{string.Join(' ', classes)}\"" : "";
                html.Append($"<td{attribute}>{Escape(cell)}</td>");
            }
            html.Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n");
        return this;
    }

    /// <summary>A PNG image with a caption under it. <paramref name="alt"/> (default: the caption) is the text
    /// shown when the image cannot be displayed.</summary>
    public HtmlReport Image(byte[] png, string caption, string? alt = null)
    {
        ArgumentNullException.ThrowIfNull(png);
        if (!Png.HasSignature(png))
            throw new ArgumentException($"report image '{caption}' is not a PNG ({png.Length} bytes without the PNG signature).", nameof(png));
        _images++;
        _body.Append("<figure>")
            .Append($"<img src=\"data:image/png;base64,{Convert.ToBase64String(png)}\" alt=\"{Escape(alt ?? caption)}\">")
            .Append($"<figcaption>{Escape(caption)}</figcaption></figure>\n");
        return this;
    }

    /// <summary>A collapsed section showing <paramref name="json"/> (or any text) verbatim, for readers who want
    /// the raw numbers.</summary>
    public HtmlReport RawJson(string summary, string json)
    {
        _body.Append($"<details><summary>{Escape(summary)}</summary>\n<pre>{Escape(json)}</pre>\n</details>\n");
        return this;
    }

    /// <summary><see cref="RawJson(string, string)"/> with the node written indented.</summary>
    public HtmlReport RawJson(string summary, JsonNode? json) =>
        RawJson(summary, json?.ToJsonString(Indented) ?? "null");

    /// <summary>The whole page as one HTML5 document (UTF-8, inline CSS, no scripts): title, then the blocks in the
    /// order they were added. Can be called any number of times; later additions appear in later calls.</summary>
    public string ToHtml()
    {
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append($"<title>{Escape(Title)}</title>\n<style>\n{Css}</style>\n</head>\n<body>\n")
            .Append($"<h1>{Escape(Title)}</h1>\n")
            .Append(_body)
            .Append("</body>\n</html>\n");
        return page.ToString();
    }

    /// <summary>Writes the page atomically (readers never see half a report).</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToHtml());

    private static string Escape(string? text) => WebUtility.HtmlEncode(text ?? "");

    private const string Css = """
        body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; margin: 2em auto; max-width: 1280px; padding: 0 1em; color: #222; line-height: 1.45; }
        h1 { border-bottom: 2px solid #444; padding-bottom: .2em; }
        h2 { border-bottom: 1px solid #bbb; padding-bottom: .15em; margin-top: 2em; }
        table { border-collapse: collapse; margin: 1em 0; font-size: 14px; }
        caption { caption-side: top; text-align: left; font-weight: bold; padding: .3em 0; }
        th, td { border: 1px solid #ccc; padding: .3em .7em; text-align: left; }
        th { background: #f0f0f0; }
        tbody tr:nth-child(even) { background: #fafafa; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        td.hi { background: #fff1a8; font-weight: bold; }
        figure { margin: 1.2em 0; display: inline-block; max-width: 100%; }
        figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
        figcaption { font-size: 13px; color: #555; margin-top: .3em; }
        details { margin: 1em 0; }
        summary { cursor: pointer; font-weight: bold; }
        pre { background: #f6f6f6; border: 1px solid #ddd; padding: .8em; overflow-x: auto; font-size: 12px; }

        """;
}
