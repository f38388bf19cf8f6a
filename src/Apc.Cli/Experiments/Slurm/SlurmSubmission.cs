using Apc.Util;
using Spectre.Console;

namespace Apc.Cli.Experiments.Slurm;

/// <summary>The Slurm executor: submits an experiment plan as one sbatch job per stage plus a report job, with afterok
/// dependencies along the plan's graph (<see cref="ExperimentStage.Needs"/>). The stage folders with their done markers
/// are the only shared state, so a resubmission behaves as the local executor: a finished stage (same fingerprint) gets
/// no job, a stage whose job still runs keeps that job, and every other unfinished stage (failed, cancelled, never
/// run, or still pending behind an older graph) is submitted again.</summary>
public static class SlurmSubmission
{
    /// <summary>What became of each job of a submission.</summary>
    public sealed record Outcome(string Id, string Label, string? JobId, string What);

    public static IReadOnlyList<Outcome> Submit(ExperimentConfig config, string outDir, bool force, string device, int threads,
                                                SlurmOptions options, bool dryRun)
    {
        if (!dryRun) SlurmCommands.RequireSbatch();
        if (threads == 0)
            Console.Error.WriteLine("warning: neither --threads nor --cpus-per-task: each job computes with its node's default thread count, " +
                "which is part of a training stage's fingerprint (docs/cluster.md); give one so that every stage trains alike.");
        outDir = Path.GetFullPath(outDir);
        ExperimentRunner.CheckFolder(outDir);
        var (stages, _) = ExperimentPlan.Build(config, outDir, device, threads);
        if (!force) ExperimentRunner.CheckFinishedStages(stages, outDir);
        if (force) stages = stages.Select(s => s with { Arguments = StageJob.Forced(s.Arguments) }).ToList();
        ExperimentRunner.WriteConfig(config, outDir);

        var folder = SlurmScripts.Folder(outDir);
        AtomicFile.EnsureWritableFolder(SlurmScripts.LogFolder(outDir), "--out (its slurm/logs folder)");
        var jobs = SlurmScripts.Jobs(stages, outDir, device);
        // Scripts of an earlier submission of another plan would otherwise lie beside this one's.
        foreach (var old in Directory.EnumerateFiles(folder, "*.sbatch")) File.Delete(old);
        var scripts = new Dictionary<string, string>();
        for (int i = 0; i < jobs.Count; i++)
        {
            var path = Path.Combine(folder, jobs[i].ScriptName(i));
            AtomicFile.WriteAllText(path, SlurmScripts.Script(jobs[i], i, jobs.Count, outDir, options, Environment.CurrentDirectory));
            scripts[jobs[i].Id] = path;
        }
        AtomicFile.WriteAllText(Path.Combine(folder, "graph.txt"), SlurmScripts.GraphText(jobs));
        AtomicFile.WriteAllText(Path.Combine(folder, "graph.dot"), SlurmScripts.GraphDot(jobs));
        AtomicFile.WriteAllText(Path.Combine(folder, "submit.sh"), SlurmScripts.SubmitScript(jobs, folder));
        if (dryRun) return jobs.Select(j => new Outcome(j.Id, j.Label, null, "script written")).ToList();

        var earlier = SlurmJobRecord.Read(outDir)?.Jobs ?? new Dictionary<string, string>();
        var queue = SlurmCommands.Queue();
        var live = earlier.Where(e => queue.ContainsKey(e.Value)).ToDictionary(e => e.Key, e => queue[e.Value]);
        // Kept: only jobs already running (their graph was right when they started). Pending ones may wait on a job that
        // failed; they are replaced. --force redoes everything, so nothing is kept.
        var keep = force ? new Dictionary<string, SlurmCommands.QueuedJob>() : live.Where(l => l.Value.State is "RUNNING" or "COMPLETING" or "CONFIGURING")
            .ToDictionary(l => l.Key, l => l.Value);
        SlurmCommands.Cancel(live.Where(l => !keep.ContainsKey(l.Key)).Select(l => l.Value.Id).ToList());

        var record = new Dictionary<string, string>();
        var submittedNow = new List<string>();
        var started = DateTime.UtcNow;
        var outcomes = new List<Outcome>();
        try
        {
            foreach (var job in jobs)
            {
                var stage = stages.FirstOrDefault(s => s.Id == job.Id);
                if (stage is not null && force && File.Exists(stage.DoneMarker)) File.Delete(stage.DoneMarker);
                if (stage is not null && File.Exists(stage.DoneMarker))
                {
                    outcomes.Add(new Outcome(job.Id, job.Label, null, "done earlier, skipped"));
                    continue;
                }
                if (keep.TryGetValue(job.Id, out var running))
                {
                    record[job.Id] = running.Id;
                    outcomes.Add(new Outcome(job.Id, job.Label, running.Id, "still running, kept"));
                    continue;
                }
                var after = job.Needs.Where(record.ContainsKey).Select(n => record[n]).ToList();
                var id = SlurmCommands.Submit(scripts[job.Id], after, $"the job of '{job.Label}'");
                submittedNow.Add(id);
                record[job.Id] = id;
                new SlurmJobRecord(started, record).Write(outDir);
                outcomes.Add(new Outcome(job.Id, job.Label, id, after.Count == 0 ? "submitted" : $"submitted, after {string.Join(',', after)}"));
            }
        }
        catch (ApcException)
        {
            // A half-submitted graph would leave jobs waiting for ones that never come: take this round's jobs back.
            SlurmCommands.Cancel(submittedNow);
            new SlurmJobRecord(started, record.Where(r => !submittedNow.Contains(r.Value)).ToDictionary()).Write(outDir);
            throw;
        }
        new SlurmJobRecord(started, record).Write(outDir);
        return outcomes;
    }

    public static void Print(IReadOnlyList<Outcome> outcomes, string outDir, bool dryRun)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumn("job").AddColumn("stage").AddColumn("Slurm job").AddColumn("");
        foreach (var o in outcomes) table.AddRow(Markup.Escape(o.Id), Markup.Escape(o.Label), o.JobId ?? "-", Markup.Escape(o.What));
        AnsiConsole.Write(table);
        var folder = SlurmScripts.Folder(outDir);
        AnsiConsole.MarkupLine(dryRun
            ? $"Dry run: nothing submitted. Scripts, graph.txt, graph.dot and submit.sh are in [bold]{Markup.Escape(folder)}[/]."
            : $"Submitted. Follow it with [bold]apc experiment --status {Markup.Escape(outDir)}[/]; job logs are in {Markup.Escape(SlurmScripts.LogFolder(outDir))}.");
    }
}
