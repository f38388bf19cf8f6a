using System.Diagnostics;
using System.Globalization;
using Apc.Cli.Commands;
using Apc.Util;
using Spectre.Console;

namespace Apc.Cli.Experiments;

/// <summary>Runs an experiment plan stage by stage through the same code as the apc verbs. A stage whose done
/// marker exists and records the stage's own fingerprint (<see cref="StageFingerprint"/>) is skipped, so a second
/// invocation redoes nothing and an interrupted one continues (train and compress also resume inside a stage). A
/// finished stage whose settings or inputs changed is never reused: the whole plan is checked before anything runs,
/// and the run stops with the settings that differ, unless --force redoes every stage. Prints which stage runs and an
/// ETA over the plan. With <c>jobs</c> ≥ 2 the stages run as child processes, several at once
/// (<see cref="ParallelStageRunner"/>).</summary>
public static class ExperimentRunner
{
    /// <param name="threads">Each stage's --threads; 0: all cores, or with several <paramref name="jobs"/> the cores
    /// divided among them (at least one each).</param>
    /// <param name="jobs">Stages run at once: 1 runs them here, one after another.</param>
    public static ExperimentResults Run(ExperimentConfig config, string outDir, bool force, string device, int threads, string command, int jobs = 1)
    {
        if (jobs < 1) throw new UsageException($"--jobs must be at least 1; got {jobs}.");
        if (jobs > 1 && threads == 0) threads = Math.Max(1, Environment.ProcessorCount / jobs);
        CheckFolder(outDir);
        var (stages, runs) = ExperimentPlan.Build(config, outDir, device, threads);
        if (!force) CheckFinishedStages(stages, outDir);
        StageJob.RequireNotRunning(stages, outDir);
        WriteConfig(config, outDir);
        var clock = Stopwatch.StartNew();
        if (jobs > 1)
        {
            ParallelStageRunner.Run(stages, outDir, jobs, force, stage => CheckFinishedStage(stage, outDir));
            return WriteResults(config, runs, outDir, command, PlanTime.Of(stages, clock.Elapsed.TotalSeconds));
        }
        double totalWeight = stages.Sum(s => s.Weight), doneWeight = 0, workedWeight = 0;
        var worked = TimeSpan.Zero;
        for (int i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            if (force && File.Exists(stage.DoneMarker)) File.Delete(stage.DoneMarker);
            if (File.Exists(stage.DoneMarker))
            {
                CheckFinishedStage(stage, outDir); // again: an earlier stage that ran now may have changed this one's inputs
                AnsiConsole.MarkupLine($"[grey][[{i + 1}/{stages.Count}]] {Markup.Escape(stage.Label)}: done earlier, skipped[/]");
                doneWeight += stage.Weight;
                continue;
            }
            string eta = workedWeight > 0
                ? TimeSpan.FromSeconds(worked.TotalSeconds / workedWeight * (totalWeight - doneWeight)).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
                : "estimating";
            AnsiConsole.Write(new Rule($"[bold][[{i + 1}/{stages.Count}]][/] {Markup.Escape(stage.Label)}  [grey](elapsed {clock.Elapsed:h\\:mm\\:ss}, remaining ≈ {eta})[/]").LeftJustified());
            var stageClock = Stopwatch.StartNew();
            StageJob.Run(stage.Label, force ? StageJob.Forced(stage.Arguments) : stage.Arguments, stage.DoneMarker);
            worked += stageClock.Elapsed;
            workedWeight += stage.Weight;
            doneWeight += stage.Weight;
        }
        return WriteResults(config, runs, outDir, command, PlanTime.Of(stages, clock.Elapsed.TotalSeconds));
    }

    /// <summary>Only collects: every stage must have finished (with the plan's settings and one thread count, whichever
    /// it was: <paramref name="threads"/> applies only to stages whose markers do not record one); writes results.json,
    /// results.md and report.html. What the report job of a Slurm submission runs.</summary>
    /// <exception cref="ApcException">A stage has not finished, or finished with other settings.</exception>
    /// <param name="startedUtc">When the plan's run began (a Slurm submission), for the wall time in the results; null:
    /// the time this collection takes.</param>
    public static ExperimentResults Collect(ExperimentConfig config, string outDir, string device, int threads, string command, DateTime? startedUtc)
    {
        var clock = Stopwatch.StartNew();
        CheckFolder(outDir);
        List<ExperimentStage> stages;
        List<ExperimentRun> runs;
        try { (stages, runs) = FinishedStages(config, outDir, device, threads); }
        catch (ApcException e) when (File.Exists(Path.Combine(outDir, "results.json")))
        {
            // A refused collection writes nothing: what the folder holds describes an earlier collection, and says so here.
            throw new ApcException(e.Message.TrimEnd() + " Nothing was collected: results.json, results.md and report.html in it are an earlier collection's.");
        }
        WriteConfig(config, outDir); // for --status, as a run would have written it
        var seconds = startedUtc is { } started ? (DateTime.UtcNow - started).TotalSeconds : clock.Elapsed.TotalSeconds;
        return WriteResults(config, runs, outDir, command, PlanTime.Of(stages, seconds));
    }

    /// <summary>The plan's stages and runs for <see cref="Collect"/>, after checking that every stage finished, with the
    /// plan's settings and one thread count (the stages rebuilt with that count).</summary>
    static (List<ExperimentStage> Stages, List<ExperimentRun> Runs) FinishedStages(ExperimentConfig config, string outDir, string device, int threads)
    {
        var (stages, runs) = ExperimentPlan.Build(config, outDir, device, threads);
        if (stages.FirstOrDefault(s => !File.Exists(s.DoneMarker)) is { } missing)
            throw new ApcException($"--out '{outDir}': stage '{missing.Label}' has not finished (no {missing.DoneMarker}); " +
                "run the plan first (apc experiment --config with this --out, without --collect: it reuses the finished stages and runs the rest).");
        // Collecting trains nothing: the stages are checked against the thread count they trained with, which must be
        // one count for all of them (runs trained with different counts are not comparable, docs/experiments.md).
        var counts = stages.Select(s => (Stage: s, Threads: StageFingerprint.Recorded(s.DoneMarker)?.Settings.GetValueOrDefault("--threads")))
            .Where(x => x.Threads is not null).GroupBy(x => x.Threads!, x => x.Stage).OrderByDescending(g => g.Count()).ToList();
        if (counts.Count > 1)
            throw new ApcException($"--out '{outDir}': its training stages ran with different thread counts (" +
                string.Join("; ", counts.Select((g, i) => $"{Plural.Of(g.Count(), "stage")} with {g.Key}" +
                    (i == 0 ? "" : ": " + string.Join(", ", g.Take(3).Select(s => $"'{s.Label}'")) + (g.Count() > 3 ? ", ..." : "")))) +
                $"), which give different weights (docs/experiments.md); to collect them as one study, delete the folders of the stages named here " +
                $"and run the plan again with --threads {counts[0].Key}, the count of most stages.");
        if (counts.Count == 1 && int.TryParse(counts[0].Key, NumberStyles.None, CultureInfo.InvariantCulture, out var trained))
            (stages, runs) = ExperimentPlan.Build(config, outDir, device, trained);
        CheckFinishedStages(stages, outDir);
        return (stages, runs);
    }

    /// <summary>What an experiment's folder records as its producer (OUT/fingerprint.json): the verb alone, since each
    /// stage's folder records its own settings. It makes train, compress, evaluate and explain refuse to write beside the
    /// stages, as they refuse each other's folders.</summary>
    static RunFingerprint FolderFingerprint => RunFingerprints.Merge("experiment");

    /// <summary>Creates <paramref name="outDir"/> when absent; refuses it when it holds another command's run (a
    /// compression's --out, a --combine folder).</summary>
    /// <exception cref="ApcException">The folder's fingerprint.json names another verb.</exception>
    public static void CheckFolder(string outDir) => RunFolder.Check(outDir, FolderFingerprint, FolderReuse.Redraw, Array.Empty<string>());

    /// <summary>The plan as run, OUT/config.json, and OUT/fingerprint.json marking the folder as an experiment's.</summary>
    public static void WriteConfig(ExperimentConfig config, string outDir)
    {
        RunFolder.Claim(outDir, FolderFingerprint, FolderReuse.Redraw, Array.Empty<string>());
        AtomicFile.WriteAllText(Path.Combine(outDir, "config.json"),
            System.Text.Json.JsonSerializer.Serialize(config, ExperimentConfig.Options) + "\n");
    }

    static ExperimentResults WriteResults(ExperimentConfig config, IReadOnlyList<ExperimentRun> runs, string outDir, string command, PlanTime time)
    {
        var results = ExperimentResults.Collect(config, runs);
        AtomicFile.WriteJson(Path.Combine(outDir, "results.json"), results.ToJson(command, time));
        AtomicFile.WriteAllText(Path.Combine(outDir, "results.md"), results.ResultsMarkdown(command, time));
        try { ExperimentReport.Write(results, outDir, command, time); }
        catch (ApcException e) { throw new ApcException($"--out '{outDir}': results.json and results.md are written, but report.html is not: {e.Message}"); }
        return results;
    }

    /// <summary>Refuses, before anything runs or is written, a plan whose finished stages were made with other settings
    /// or inputs than the plan's stages now (a stage's inputs are checked as they are on disk, which is what a
    /// skipped stage would hand on).
    /// Finished stages whose markers predate a setting apc records now (<see cref="RunFingerprint.AddedLater"/>: the
    /// thread count of a training stage) are reused, with one line that says so.</summary>
    public static void CheckFinishedStages(IReadOnlyList<ExperimentStage> stages, string outDir)
    {
        var unrecorded = new List<KeyValuePair<string, string>>();
        foreach (var stage in stages.Where(s => File.Exists(s.DoneMarker)))
            unrecorded.AddRange(CheckFinishedStage(stage, outDir));
        if (unrecorded.Count > 0)
            Console.Error.WriteLine($"note: {Plural.Of(unrecorded.Count, "finished training stage")} in '{outDir}' ran before apc recorded " +
                $"the thread count; reused as made with this run's ({string.Join(", ", unrecorded.Select(u => u.Value).Distinct().Select(v => Plural.Of(int.Parse(v, CultureInfo.InvariantCulture), "thread")))}). " +
                "A training run's result depends on the count (docs/experiments.md).");
    }

    /// <summary>Refuses one finished stage made with other settings or inputs; returns the settings its marker predates
    /// (<see cref="RunFingerprint.Unrecorded"/>).</summary>
    static IReadOnlyList<KeyValuePair<string, string>> CheckFinishedStage(ExperimentStage stage, string outDir)
    {
        var recorded = StageFingerprint.Recorded(stage.DoneMarker);
        var now = StageFingerprint.Of(stage.Arguments);
        var reason = recorded is null
            ? "its done marker does not record the settings it ran with (made by an older apc)"
            : RunFingerprint.Describe(now.DifferencesFrom(recorded)) is { Length: > 0 } d ? $"it ran with other settings ({d})" : null;
        // Another thread count alone: the plan continues with the count the stage trained with.
        if (recorded is not null && now.OnlyChange(recorded, "--threads") is var (threads, count))
            throw new ApcException($"--out '{outDir}': stage '{stage.Label}' trained with {Plural.Of(int.Parse(threads, CultureInfo.InvariantCulture), "thread")}, " +
                $"this run would use {count} (--threads; without it torch's default, {TorchThreads.Default} here, or with --jobs N the cores ÷ N), " +
                $"and the count changes the weights; rerun with --threads {threads} to continue the plan, or choose another --out.");
        if (reason is not null)
            throw new ApcException($"--out '{outDir}': stage '{stage.Label}' finished earlier, but {reason}; " +
                $"to redo that stage alone, remove its folder '{Path.GetDirectoryName(stage.DoneMarker)}' (the stages inside it are redone with it; " +
                "a stage elsewhere that read it is then checked the same way), pass --force to redo every stage, or choose another --out.");
        return now.Unrecorded(recorded!);
    }
}
