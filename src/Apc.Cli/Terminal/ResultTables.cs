using System.Globalization;
using Apc.Training;
using Spectre.Console;

namespace Apc.Cli.Terminal;

public static class ResultTables
{
    public static void Write(IAnsiConsole console, TrainingResult result)
    {
        var table = new Table().Title("validation (percent)").AddColumns("epoch", "lr", "train loss", "mAP (per class)", "mAP (per image)", "F1", "exact match", "seconds");
        foreach (var r in result.History)
        {
            string P(double v) => double.IsNaN(v) ? "n/a" : (v * 100).ToString("F1", CultureInfo.InvariantCulture);
            var row = new[] { r.Epoch.ToString(CultureInfo.InvariantCulture), r.LearningRate.ToString("G3", CultureInfo.InvariantCulture),
                r.TrainLoss.ToString("F4", CultureInfo.InvariantCulture), P(r.MapPerClass), P(r.MapPerImage), P(r.F1), P(r.Accuracy),
                r.Seconds.ToString("F0", CultureInfo.InvariantCulture) };
            table.AddRow(row.Select(c => r.Best && r == result.Best ? $"[bold green]{c}[/]" : c).ToArray());
        }
        console.Write(table);
    }
}
