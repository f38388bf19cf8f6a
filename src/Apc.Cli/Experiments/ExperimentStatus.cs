using Apc.Util;
using Apc.Cli.Experiments.Slurm;
using Spectre.Console;

namespace Apc.Cli.Experiments;

/// <summary>apc experiment --status DIR: each stage of the plan in DIR (its config.json) as done, queued, running,
/// failed or not run, with the Slurm job of the latest submission (DIR/slurm/jobs.json). The done marker decides
/// "done"; the queue (squeue) decides queued and running; a job that left the queue without a done marker failed (its
/// Slurm state from sacct or scontrol when they still know it, and the last error line of its log).</summary>
public static class ExperimentStatus
{
    public sealed record Row(string Id, string Label, string State, string? JobId, string Detail)
    {
        /// <summary>For a done stage, how long its command ran (wall-clock seconds, from its done marker); null otherwise.</summary>
        public double? Seconds { get; init; }

        /// <summary>False for the collection row (results and report), which has no done marker and so no recorded time.</summary>
        public bool IsStage { get; init; } = true;
    }

    public static IReadOnlyList<Row> Read(string outDir)
    {
        outDir = Path.GetFullPath(outDir);
        var configPath = Path.Combine(outDir, "config.json");
        if (Directory.Exists(outDir) == false || !File.Exists(configPath))
            throw new ApcException($"--status '{outDir}': no experiment there (no config.json); give the --out folder of apc experiment or apc demo.");
        var config = ExperimentConfig.Load(configPath);
        var (stages, _) = ExperimentPlan.Build(config, outDir, "cpu", 0);
        var record = SlurmJobRecord.Read(outDir);
        var queue = record is null ? new Dictionary<string, SlurmCommands.QueuedJob>() : SlurmCommands.Queue();
        var jobs = SlurmScripts.Jobs(stages, outDir, "cpu");
        var rows = new List<Row>();
        foreach (var job in jobs)
        {
            var stage = stages.FirstOrDefault(s => s.Id == job.Id);
            string? jobId = record?.Jobs.GetValueOrDefault(job.Id);
            bool done = stage is not null ? File.Exists(stage.DoneMarker)
                : File.Exists(Path.Combine(outDir, "results.json")) && File.Exists(Path.Combine(outDir, "report.html"));
            if (jobId is not null && queue.TryGetValue(jobId, out var queued))
            {
                if (queued.State == "RUNNING" || queued.State == "COMPLETING" || queued.State == "CONFIGURING")
                    rows.Add(new Row(job.Id, job.Label, "running", jobId, ""));
                else
                    rows.Add(new Row(job.Id, job.Label, "queued", jobId, queued.Reason == "DependencyNeverSatisfied"
                        ? "waits for a stage that failed; resubmit the plan" : queued.Reason));
                continue;
            }
            if (done && (stage is not null || jobId is null || SlurmCommands.EndedState(jobId) is null or "COMPLETED"))
            {
                var seconds = stage is null ? null : StageFingerprint.RecordedSeconds(stage.DoneMarker);
                // A training stage's thread count is part of what made it (docs/experiments.md).
                var threads = stage is null ? null : StageFingerprint.Recorded(stage.DoneMarker)?.Settings.GetValueOrDefault("--threads");
                var detail = string.Join(", ", new[] { seconds is { } s ? $"took {Duration(s)}" : null,
                    threads is null ? null : $"trained with {(int.TryParse(threads, out var n) ? Plural.Of(n, "thread") : threads)}" }.OfType<string>());
                rows.Add(new Row(job.Id, job.Label, "done", jobId, detail) { Seconds = seconds, IsStage = stage is not null });
                continue;
            }
            if (jobId is null)
            {
                var log = Path.Combine(ParallelStageRunner.LogFolder(outDir), job.Id + ".log");
                rows.Add(stage is not null && StageJob.ReadRunning(stage.DoneMarker) is { } local ? Local(job.Id, job.Label, local, log)
                    : stage is not null && StageJob.ReadFailure(stage.DoneMarker) is { } failure ? Failed(job.Id, job.Label, failure, log)
                    : new Row(job.Id, job.Label, "not run", null, ""));
                continue;
            }
            var state = SlurmCommands.EndedState(jobId);
            var why = FirstErrorLine(SlurmScripts.LogPath(outDir, job.Id, jobId));
            rows.Add(new Row(job.Id, job.Label, "failed", jobId, string.Join("; ", new[] { state, why }.Where(s => !string.IsNullOrEmpty(s)))));
        }
        return rows;
    }

    /// <summary>A stage whose command failed when the local executor ran it: its exit code, when, and the first error
    /// line of its log (with --jobs; in-process runs print it to the terminal).</summary>
    static Row Failed(string id, string label, StageJob.Failure failure, string log)
    {
        var when = failure.EndedUtc.ToLocalTime().ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        var why = File.Exists(log) ? FirstErrorLine(log) : null;
        return new Row(id, label, "failed", null, $"exit code {failure.ExitCode} at {when}" + (string.IsNullOrEmpty(why) ? "" : $"; {why}"));
    }

    /// <summary>A stage the local executor started: running while its process lives on this host; interrupted when that
    /// process is gone (killed, machine restarted) and it left no done marker.</summary>
    static Row Local(string id, string label, StageJob.Running running, string log)
    {
        var since = running.StartedUtc.ToLocalTime().ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        if (running.Host != Environment.MachineName)
            return new Row(id, label, "running", null, $"on {running.Host} (pid {running.ProcessId}) since {since}, as its marker says");
        if (!StageJob.IsAlive(running))
            return new Row(id, label, "interrupted", null, $"its process (pid {running.ProcessId}, started {since}) ended without finishing; rerun the command to continue");
        var last = File.Exists(log) ? ParallelStageRunner.LastLine(log) : null;
        return new Row(id, label, "running", null, $"here (pid {running.ProcessId}) since {since}" + (last is null ? "" : $"; {last}"));
    }

    public static void Print(IReadOnlyList<Row> rows)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumn("job").AddColumn("stage").AddColumn("state").AddColumn("Slurm job").AddColumn("details");
        foreach (var r in rows)
        {
            var color = r.State switch { "done" => "green", "running" => "blue", "queued" => "grey", "failed" or "interrupted" => "red", _ => "default" };
            table.AddRow(Markup.Escape(r.Id), Markup.Escape(r.Label), $"[{color}]{r.State}[/]", r.JobId ?? "-", Markup.Escape(r.Detail));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(string.Join(", ", rows.GroupBy(r => r.State).Select(g => $"{g.Count()} {g.Key}")));
        if (TotalLine(rows) is { } total) AnsiConsole.MarkupLine(Markup.Escape(total));
    }

    /// <summary>"stage time: … in total over N done stages": the sum of the done stages' own times, or null when none
    /// recorded one. Stages that ran side by side (--jobs, Slurm) count each, so the sum can exceed the wall-clock time.</summary>
    public static string? TotalLine(IReadOnlyList<Row> rows)
    {
        var timed = rows.Where(r => r.Seconds is not null).ToList();
        if (timed.Count == 0) return null;
        var untimed = rows.Count(r => r.State == "done" && r.Seconds is null && r.IsStage);
        return $"stage time: {Duration(timed.Sum(r => r.Seconds!.Value))} in total over {timed.Count} done stage{(timed.Count == 1 ? "" : "s")}" +
               (untimed > 0 ? $" ({untimed} done stage{(untimed == 1 ? "" : "s")} recorded no time)" : "") +
               "; stages run side by side each count.";
    }

    /// <summary>Seconds as "1 h 05 min", "12 min 03 s" or "4.2 s".</summary>
    public static string Duration(double seconds)
    {
        var t = TimeSpan.FromSeconds(seconds);
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes:00} min"
            : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes} min {t.Seconds:00} s"
            : seconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " s";
    }

    /// <summary>The first "error: ..." line a job's log holds (apc's one-line error naming the cause), or null.</summary>
    static string? FirstErrorLine(string log)
    {
        if (!File.Exists(log)) return null;
        try { return File.ReadLines(log).FirstOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal)); }
        catch (IOException) { return null; }
    }
}
