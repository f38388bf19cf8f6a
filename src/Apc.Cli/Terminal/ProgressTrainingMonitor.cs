using System.Globalization;
using Apc.Training;
using Spectre.Console;

namespace Apc.Cli.Terminal;

/// <summary>Draws one progress bar per epoch (with ETA and running loss) and a line of validation metrics
/// after it. Must be used inside <see cref="Run"/>.</summary>
public sealed class ProgressTrainingMonitor : ITrainingMonitor
{
    readonly ProgressContext context;
    readonly IAnsiConsole console;
    readonly string label;
    ProgressTask? task;
    double runningLoss = double.NaN;

    ProgressTrainingMonitor(ProgressContext context, IAnsiConsole console, string label) { this.context = context; this.console = console; this.label = label; }

    public static T Run<T>(IAnsiConsole console, string label, Func<ITrainingMonitor, T> work)
    {
        T result = default!;
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(),
                     new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx => result = work(new ProgressTrainingMonitor(ctx, console, label)));
        return result;
    }

    public void EpochStarted(int epoch, int epochs, int steps)
    {
        task = context.AddTask($"{label} epoch {epoch}/{epochs}", maxValue: Math.Max(1, steps));
        runningLoss = double.NaN;
    }

    public void StepCompleted(int step, double loss)
    {
        if (task is null) return;
        runningLoss = double.IsNaN(runningLoss) ? loss : 0.9 * runningLoss + 0.1 * loss;
        task.Value = step;
        task.Description = $"{label} epoch {EpochOf(task)} loss {runningLoss.ToString("F4", CultureInfo.InvariantCulture)}";
    }

    public void EpochCompleted(EpochRecord r)
    {
        if (task is not null) { task.Value = task.MaxValue; task.StopTask(); }
        task = null;
        var best = r.Best ? " [green]best[/]" : "";
        context.Refresh();
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"  epoch {r.Epoch}: loss {r.TrainLoss:F4}  val mAP {r.MapPerClass * 100:F1}  mAP/img {r.MapPerImage * 100:F1}  F1 {r.F1 * 100:F1}  acc {r.Accuracy * 100:F1}  ({r.Seconds:F0}s){best}"));
    }

    public void Message(string text) => console.MarkupLine($"  [grey]{Markup.Escape(text)}[/]");

    static string EpochOf(ProgressTask t) => t.Description.Split(' ').SkipWhile(w => w != "epoch").Skip(1).FirstOrDefault() ?? "";
}
