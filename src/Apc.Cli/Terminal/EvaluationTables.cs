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

    public static Table Table(EvaluationReport r)
    {
        bool withReference = r.ReferenceModel is not null;
        var t = new Table().Title($"prediction: mAP {P(r.Prediction.MapPerClass)} (per class), {P(r.Prediction.MapPerImage)} (per image), F1 {P(r.Prediction.F1)}" +
            (r.Prediction.Agreement is { } a ? $", agreement {P(a)}" : ""));
        int columns = withReference ? Headers.Length : 5;
        t.AddColumns(Headers.Take(columns).ToArray());
        foreach (var row in Rows(r)) t.AddRow(row.Take(columns).Select(Markup.Escape).ToArray());
        return t;
    }

    public static string Markdown(EvaluationReport r)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# Evaluation of {r.Model}");
        sb.AppendLine();
        sb.AppendLine($"Data: {r.Dataset} ({r.Images} images). Prediction: per-class mAP {P(r.Prediction.MapPerClass)}, per-image mAP {P(r.Prediction.MapPerImage)}, F1 {P(r.Prediction.F1)}, exact match {P(r.Prediction.Accuracy)}" +
            (r.Prediction.Agreement is { } a ? $", top-1 agreement with the reference {P(a)}" : "") + ".");
        sb.AppendLine();
        sb.Append(Apc.Reporting.MarkdownTable.Render(Headers, Rows(r).ToList()));
        return sb.ToString();
    }
}
