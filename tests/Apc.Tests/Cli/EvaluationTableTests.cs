using Apc.Cli.Terminal;
using Spectre.Console;

namespace Apc.Tests.Cli;

/// <summary>evaluate's terminal tables on an 80-column terminal or a pipe (Spectre's width there): no line is wider,
/// and no method name, number or header word is broken across lines.</summary>
public class EvaluationTableTests
{
    [Fact]
    public void AtEightyColumnsNoWordIsBrokenAndNoLineIsWider()
    {
        var methods = new[] { "gradcam", "contrastive-excitation-backprop", "integrated-gradients", "input-x-gradient" };
        var rows = methods.Select((m, i) => new[] { m, "12345", "100.0", "99.9", "88.8", "77.7", "-0.123", "0.987", "66.6" }).ToList();
        var (console, writer) = EightyColumns();
        foreach (var table in EvaluationTables.Tables("prediction: mAP 86.7 (per class), 80.1 (per image), F1 70.2, agreement 91.3", rows, withReference: true))
            console.Write(table);
        var lines = writer.ToString().Split('\n');
        Assert.All(lines, line => Assert.True(line.TrimEnd('\r').Length <= 80, $"{line.Length} columns: {line}"));
        // Every word that the tables hold appears whole on some line.
        var words = lines.SelectMany(l => l.Split([' ', '│', '|', '┃', '─', '┌', '┐', '└', '┘', '├', '┤', '┼', '┬', '┴'], StringSplitOptions.RemoveEmptyEntries)).ToHashSet();
        var expected = methods.Concat(rows.SelectMany(r => r.Skip(1)))
            .Concat(new[] { "method", "pairs", "pointing", "AUC", "energy", "reference", "cosine", "spearman", "top-10%", "IoU" });
        Assert.All(expected, w => Assert.Contains(w, words));
    }

    /// <summary>With prediction metrics only (an ONNX model evaluated without a method), the prediction line is printed
    /// whole, not as the title of an empty table wrapped to its width.</summary>
    [Fact]
    public void WithoutMethodsThePredictionLineStandsAlone()
    {
        var (console, writer) = EightyColumns();
        const string line = "prediction: mAP 84.8 (per class), 88.4 (per image), F1 79.8";
        foreach (var part in EvaluationTables.Tables(line, [], withReference: true)) console.Write(part);
        Assert.Equal(line, writer.ToString().Trim());
    }

    /// <summary>A console as a pipe or an 80-column terminal gets it: no colour, no ANSI, 80 columns.</summary>
    static (IAnsiConsole Console, StringWriter Output) EightyColumns()
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 80;
        return (console, writer);
    }
}
