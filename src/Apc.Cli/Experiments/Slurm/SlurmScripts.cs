using System.Text;

namespace Apc.Cli.Experiments.Slurm;

/// <summary>The files a Slurm submission (or its dry run) writes to OUT/slurm/: one sbatch script per job (NN-ID.sbatch),
/// graph.txt and graph.dot (the jobs and their afterok dependencies), submit.sh (the same submission by hand, to adapt
/// to a site), and logs/ (each job's output, ID-JOBID.out). A stage's job runs <c>apc stage</c>, which runs the stage's
/// apc command line exactly as the local executor does and then writes its done marker; the report job collects the
/// results once every stage finished.</summary>
public static class SlurmScripts
{
    /// <summary>A job of the graph: a stage, or the report (which needs every stage).</summary>
    public sealed record Job(string Id, string Label, IReadOnlyList<string> Command, IReadOnlyList<string> Needs)
    {
        public string ScriptName(int index) => $"{index + 1:D2}-{Id}.sbatch";
    }

    public const string ReportId = "report";

    public static string Folder(string outDir) => Path.Combine(outDir, "slurm");
    public static string LogFolder(string outDir) => Path.Combine(Folder(outDir), "logs");
    public static string LogPath(string outDir, string id, string jobId) => Path.Combine(LogFolder(outDir), $"{id}-{jobId}.out");

    /// <summary>Every job of a plan in submission order: the stages (through apc stage), then the report.</summary>
    public static List<Job> Jobs(IReadOnlyList<ExperimentStage> stages, string outDir, string device)
    {
        var apc = ApcCommand();
        var jobs = stages.Select(s => new Job(s.Id, s.Label,
            apc.Concat(new[] { "stage", "--done", s.DoneMarker, "--label", s.Label, "--" }).Concat(s.Arguments).ToList(), s.Needs)).ToList();
        jobs.Add(new Job(ReportId, "collect results.json, results.md, report.html",
            apc.Concat(new[] { "experiment", "--config", Path.Combine(outDir, "config.json"), "--out", outDir, "--collect", "--device", device }).ToList(),
            stages.Select(s => s.Id).ToList()));
        return jobs;
    }

    /// <summary>How this very apc is started: the dotnet host and the Apc.Cli assembly, by absolute path (a job on another
    /// node runs the same build, so it must sit on the shared file system too).</summary>
    public static string[] ApcCommand()
    {
        var host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists) ?? "dotnet";
        return new[] { host, typeof(ApcApp).Assembly.Location };
    }

    /// <summary>The sbatch script of one job. Dependencies are not in it: sbatch gets them at submission (--dependency),
    /// since they name job ids.</summary>
    public static string Script(Job job, int index, int count, string outDir, SlurmOptions options, string workDir)
    {
        var text = new StringBuilder();
        text.Append("#!/bin/bash\n");
        text.Append($"# apc experiment, job {index + 1} of {count}: {job.Label}\n");
        text.Append(job.Needs.Count == 0 ? "# needs: nothing\n" : $"# needs (sbatch --dependency=afterok:...): {string.Join(", ", job.Needs)}\n");
        text.Append($"#SBATCH --job-name=apc-{job.Id}\n");
        text.Append($"#SBATCH --output={LogFolder(outDir)}/{job.Id}-%j.out\n");
        text.Append($"#SBATCH --chdir={workDir}\n");
        foreach (var d in options.Directives()) text.Append($"#SBATCH {d}\n");
        text.Append("set -euo pipefail\n");
        text.Append("exec " + string.Join(' ', job.Command.Select(Quote)) + "\n");
        return text.ToString();
    }

    /// <summary>graph.txt: one line per job with what it waits for.</summary>
    public static string GraphText(IReadOnlyList<Job> jobs)
    {
        int width = jobs.Max(j => j.Id.Length);
        var text = new StringBuilder("# job" + new string(' ', Math.Max(1, width - 2)) + "after (afterok)             what\n");
        foreach (var j in jobs)
        {
            var after = j.Id == ReportId ? "every stage" : j.Needs.Count == 0 ? "-" : string.Join(", ", j.Needs);
            text.Append($"{j.Id.PadRight(width)}   {after,-26}  {j.Label}\n");
        }
        return text.ToString();
    }

    /// <summary>graph.dot (Graphviz): an edge from each job to each job that waits for it.</summary>
    public static string GraphDot(IReadOnlyList<Job> jobs)
    {
        var text = new StringBuilder("digraph apc_experiment {\n  rankdir=LR;\n  node [shape=box];\n");
        foreach (var j in jobs) text.Append($"  \"{j.Id}\" [label=\"{j.Id}\\n{j.Label.Replace("\"", "'")}\"];\n");
        foreach (var j in jobs)
            foreach (var n in j.Needs) text.Append($"  \"{n}\" -> \"{j.Id}\";\n");
        return text.Append("}\n").ToString();
    }

    /// <summary>submit.sh: submits every script with its dependencies, by hand (what apc does, minus skipping finished
    /// stages and keeping running jobs).</summary>
    public static string SubmitScript(IReadOnlyList<Job> jobs, string folder)
    {
        var text = new StringBuilder("#!/bin/bash\n# Submits the whole plan by hand (apc experiment --executor slurm does this, skipping finished stages).\n" +
                                     "set -euo pipefail\ncd " + Quote(folder) + "\n");
        string Var(string id) => "job_" + new string(id.Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch : '_').ToArray());
        for (int i = 0; i < jobs.Count; i++)
        {
            var j = jobs[i];
            var dependency = j.Needs.Count == 0 ? "" : " --dependency=afterok:" + string.Join(':', j.Needs.Select(n => "$" + Var(n)));
            text.Append($"{Var(j.Id)}=$(sbatch --parsable{dependency} {j.ScriptName(i)} | cut -d';' -f1)\n");
        }
        return text.Append("echo \"submitted; watch with: squeue --me\"\n").ToString();
    }

    /// <summary>A word for bash: single-quoted unless it is plainly safe.</summary>
    public static string Quote(string word) =>
        word.Length > 0 && word.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '/' or '.' or '_' or '-' or '=' or ':' or ',' or '+' or '@')
            ? word : "'" + word.Replace("'", "'\\''") + "'";
}
