using System.Diagnostics;
using System.Globalization;
using Apc.Util;
using Spectre.Console;

namespace Apc.Cli.Experiments;

/// <summary>Runs an experiment plan stage by stage through the same code as the apc verbs. A stage whose done
/// marker exists is skipped (so a second invocation redoes nothing and an interrupted one continues; train and
/// compress also resume inside a stage), unless --force. Prints which stage runs and an ETA over the plan.</summary>
public static class ExperimentRunner
{
    public static ExperimentResults Run(ExperimentConfig config, string outDir, bool force, string device, int threads, string command)
    {
        AtomicFile.EnsureWritableFolder(outDir);
        AtomicFile.WriteAllText(Path.Combine(outDir, "config.json"),
            System.Text.Json.JsonSerializer.Serialize(config, ExperimentConfig.Options) + "\n");
        var (stages, runs) = ExperimentPlan.Build(config, outDir, device, threads);
        var clock = Stopwatch.StartNew();
        double totalWeight = stages.Sum(s => s.Weight), doneWeight = 0, workedWeight = 0;
        var worked = TimeSpan.Zero;
        for (int i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            if (force && File.Exists(stage.DoneMarker)) File.Delete(stage.DoneMarker);
            if (File.Exists(stage.DoneMarker))
            {
                AnsiConsole.MarkupLine($"[grey][[{i + 1}/{stages.Count}]] {Markup.Escape(stage.Label)}: done earlier, skipped[/]");
                doneWeight += stage.Weight;
                continue;
            }
            string eta = workedWeight > 0
                ? TimeSpan.FromSeconds(worked.TotalSeconds / workedWeight * (totalWeight - doneWeight)).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
                : "estimating";
            AnsiConsole.Write(new Rule($"[bold][[{i + 1}/{stages.Count}]][/] {Markup.Escape(stage.Label)}  [grey](elapsed {clock.Elapsed:h\\:mm\\:ss}, remaining ≈ {eta})[/]").LeftJustified());
            var stageClock = Stopwatch.StartNew();
            var args = force ? stage.Arguments.Where(a => a != "--resume").ToArray() : stage.Arguments;
            int code = ApcApp.Run(args);
            if (code != 0)
                throw new ApcException($"experiment stage '{stage.Label}' failed (exit code {code}); fix the cause and rerun the same command to continue.");
            AtomicFile.WriteAllText(stage.DoneMarker, DateTime.UtcNow.ToString("O") + "\n");
            worked += stageClock.Elapsed;
            workedWeight += stage.Weight;
            doneWeight += stage.Weight;
        }
        var results = ExperimentResults.Collect(config, runs);
        var seconds = clock.Elapsed.TotalSeconds;
        AtomicFile.WriteJson(Path.Combine(outDir, "results.json"), results.ToJson(command, seconds));
        AtomicFile.WriteAllText(Path.Combine(outDir, "results.md"), results.ResultsMarkdown(command, seconds));
        ExperimentReport.Write(results, outDir, command, seconds);
        return results;
    }
}
