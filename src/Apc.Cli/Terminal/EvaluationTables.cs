using System.Globalization;
using System.Text;
using Apc.Evaluation;
using Spectre.Console;

namespace Apc.Cli.Terminal;

/// <summary>Human tables of an evaluation (percent); the JSON keeps fractions.</summary>
public static class EvaluationTables
{
    static string P(double v) => double.IsFinite(v) ? (v * 100).ToString("F1", CultureInfo.InvariantCulture) : "n/a";
    static string F(double v) => double.IsFinite(v) ? v.ToString("F3", CultureInfo.InvariantCulture) : "n/a";

    static IEnumerable<string[]> Rows(EvaluationReport r) => r.Attribution.Select(m => new[]
    {
        m.Method, m.Summary.Pairs.ToString(CultureInfo.InvariantCulture), P(m.Summary.Pointing.Mean), P(m.Summary.PixelAuc.Mean),
        P(m.Summary.Energy.Mean), m.Reference is null ? "" : P(m.Reference.Pointing.Mean),
        m.Reference is null ? "" : F(m.Summary.Cosine.Mean), m.Reference is null ? "" : F(m.Summary.Spearman.Mean),
        m.Reference is null ? "" : P(m.Summary.TopKIou.Mean),
    });

    static readonly string[] Headers = { "method", "pairs", "pointing %", "AUC %", "energy %", "reference pointing %", "cosine", "spearman", "top-10% IoU %" };

    /// <summary>The terminal tables: localisation (method, pairs, pointing, AUC, energy) and, with a reference, a second
    /// table of consistency with it. Two narrow tables rather than one of nine columns, so that an 80-column terminal
    /// or pipe never breaks a method name or a header in the middle of a word. With no attribution method (prediction
    /// metrics only), the prediction line alone.</summary>
    public static IReadOnlyList<Spectre.Console.Rendering.IRenderable> Tables(EvaluationReport r) =>
        Tables($"prediction: mAP {P(r.Prediction.MapPerClass)} (per class), {P(r.Prediction.MapPerImage)} (per image), F1 {P(r.Prediction.F1)}" +
            (r.Prediction.Agreement is { } a ? $", agreement {P(a)}" : ""), Rows(r).ToList(), r.ReferenceModel is not null);

    /// <summary><paramref name="rows"/> hold the nine cells of <see cref="Headers"/>; none: <paramref name="title"/> as a line.</summary>
    public static IReadOnlyList<Spectre.Console.Rendering.IRenderable> Tables(string title, IReadOnlyList<string[]> rows, bool withReference)
    {
        if (rows.Count == 0) return [new Text(title + Environment.NewLine)];
        var tables = new List<Spectre.Console.Rendering.IRenderable> { Build(title, [0, 1, 2, 3, 4], rows) };
        if (withReference) tables.Add(Build("consistency with the reference", [0, 5, 6, 7, 8], rows));
        return tables;
    }

    static Table Build(string title, int[] columns, IReadOnlyList<string[]> rows)
    {
        var t = new Table().Title(Markup.Escape(title));
        foreach (var c in columns) t.AddColumn(new TableColumn(Markup.Escape(Headers[c])) { Alignment = c == 0 ? Justify.Left : Justify.Right });
        foreach (var row in rows) t.AddRow(columns.Select(c => Markup.Escape(row[c])).ToArray());
        return t;
    }

    public static string Markdown(EvaluationReport r)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# Evaluation of {r.Model}");
        sb.AppendLine();
        sb.AppendLine($"Data: {r.Dataset} ({Apc.Util.Plural.Of(r.Images, "image")}). Prediction: per-class mAP {P(r.Prediction.MapPerClass)}, per-image mAP {P(r.Prediction.MapPerImage)}, F1 {P(r.Prediction.F1)}, exact match {P(r.Prediction.Accuracy)}" +
            (r.Prediction.Agreement is { } a ? $", top-1 agreement with the reference {P(a)}" : "") + ".");
        sb.AppendLine();
        sb.Append(Apc.Reporting.MarkdownTable.Render(Headers, Rows(r).ToList()));
        return sb.ToString();
    }
}
