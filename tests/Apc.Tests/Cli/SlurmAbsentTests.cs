namespace Apc.Tests.Cli;

/// <summary>--executor slurm on a machine without Slurm, and the options that belong to it.</summary>
public class SlurmAbsentTests
{
    [Fact]
    public void WithoutSbatchTheErrorSaysHowToInstallSlurmOrRunLocally()
    {
        using var dir = new TempFolder();
        var path = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", dir.Path); // a PATH with no sbatch on it
        try
        {
            var (code, error) = CliRunner.Run("demo", "--quick", "--executor", "slurm", "--out", dir.File("out"));
            Assert.Equal(1, code);
            Assert.Single(error.Trim().Split('\n'));
            Assert.Contains("'sbatch' was not found", error);
            Assert.Contains("apt-get install", error);
            Assert.Contains("--executor local", error);
            Assert.False(Directory.Exists(dir.File("out")));            // nothing written
        }
        finally { Environment.SetEnvironmentVariable("PATH", path); }
    }

    [Fact]
    public void SlurmOptionsWithoutTheSlurmExecutorAreAUsageError()
    {
        using var dir = new TempFolder();
        var (code, error) = CliRunner.Run("demo", "--quick", "--gres", "gpu:1", "--out", dir.File("out"));
        Assert.Equal(2, code);
        Assert.Contains("--executor slurm only", error);
        (code, error) = CliRunner.Run("demo", "--quick", "--executor", "pbs", "--out", dir.File("out"));
        Assert.Equal(2, code);
        Assert.Contains("expected local or slurm", error);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void ADryRunWritesEveryJobsScriptAndTheGraphAndSubmitsNothing()
    {
        using var dir = new TempFolder();
        var outDir = dir.File("out");
        var path = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", dir.Path); // no sbatch: a dry run needs none
        try
        {
            var (code, error) = CliRunner.Run("demo", "--quick", "--executor", "slurm", "--dry-run", "--gres", "gpu:1", "--time", "01:00:00", "--out", outDir);
            Assert.True(code == 0, error);
        }
        finally { Environment.SetEnvironmentVariable("PATH", path); }
        var (stages, _) = Apc.Cli.Experiments.ExperimentPlan.Build(
            Apc.Cli.Experiments.ExperimentConfig.Load(Path.Combine(outDir, "config.json")), outDir, "cpu", 0);
        var scripts = Directory.GetFiles(Path.Combine(outDir, "slurm"), "*.sbatch").Order().ToList();
        Assert.Equal(stages.Count + 1, scripts.Count);                 // a job per stage, and the report
        for (int i = 0; i < stages.Count; i++)
        {
            var text = File.ReadAllText(scripts[i]);
            Assert.EndsWith($"-{stages[i].Id}.sbatch", scripts[i]);
            Assert.Contains("#SBATCH --gres=gpu:1\n", text);
            Assert.Contains("#SBATCH --time=01:00:00\n", text);
            // The job runs the stage's own command line, word for word, after apc stage --done MARKER.
            var words = string.Join(' ', stages[i].Arguments.Select(Apc.Cli.Experiments.Slurm.SlurmScripts.Quote));
            Assert.Contains($"stage --done {stages[i].DoneMarker} --label ", text);
            Assert.Contains("-- " + words + "\n", text);
        }
        Assert.Contains("--collect", File.ReadAllText(scripts[^1]));
        var graph = File.ReadAllLines(Path.Combine(outDir, "slurm", "graph.txt")).Skip(1).ToList();
        Assert.Equal(stages.Count + 1, graph.Count);
        Assert.StartsWith("s0-kd-wcam-eval", graph.Single(l => l.StartsWith("s0-kd-wcam-eval ")));
        Assert.Contains(" s0-kd-wcam ", graph.Single(l => l.StartsWith("s0-kd-wcam-eval ")));
        Assert.False(File.Exists(Path.Combine(outDir, "slurm", "jobs.json")));   // nothing submitted
    }

    [Fact]
    public void ApcStageRunsTheCommandLineWordForWordAndMarksItDone()
    {
        using var dir = new TempFolder();
        var outDir = dir.File("teacher");
        // An empty word (--lr-steps "") must reach the verb as it is: Spectre's own remaining-arguments list drops it.
        var args = CliRunner.TinyTrain(outDir, "--epochs", "1", "--threads", "1");
        Assert.Contains("", args);
        var (code, error) = CliRunner.Run(new[] { "stage", "--done", Path.Combine(outDir, "DONE"), "--label", "t", "--" }.Concat(args).ToArray());
        Assert.True(code == 0, error);
        var recorded = Apc.Cli.Experiments.StageFingerprint.Recorded(Path.Combine(outDir, "DONE"));
        Assert.NotNull(recorded);
        Assert.Empty(Apc.Cli.Experiments.StageFingerprint.Of(args).DifferencesFrom(recorded!));
        // A failing stage leaves no marker.
        var failing = dir.File("failing");
        (code, _) = CliRunner.Run("stage", "--done", Path.Combine(failing, "DONE"), "--", "evaluate", "--model", dir.File("missing.ckpt"), "--out", failing);
        Assert.Equal(1, code);
        Assert.False(File.Exists(Path.Combine(failing, "DONE")));
        // It leaves a note of its failure instead, which a successful rerun removes (apc experiment --status reads it).
        var failure = Apc.Cli.Experiments.StageJob.ReadFailure(Path.Combine(failing, "DONE"));
        Assert.Equal(1, failure?.ExitCode);
        // A usage error of the stage's command makes apc stage exit as the verb does: 2.
        (code, error) = CliRunner.Run("stage", "--done", Path.Combine(failing, "DONE"), "--", "evaluate", "--model", dir.File("missing.ckpt"), "--threads", "100000", "--out", failing);
        Assert.True(code == 2, error);
        Assert.Equal(2, Apc.Cli.Experiments.StageJob.ReadFailure(Path.Combine(failing, "DONE"))?.ExitCode);
        (code, error) = CliRunner.Run(new[] { "stage", "--done", Path.Combine(failing, "DONE"), "--label", "t", "--" }.Concat(CliRunner.TinyTrain(failing, "--epochs", "1", "--threads", "1")).ToArray());
        Assert.True(code == 0, error);
        Assert.Null(Apc.Cli.Experiments.StageJob.ReadFailure(Path.Combine(failing, "DONE")));
    }
}
