using System.ComponentModel;
using Apc.Cli.Experiments;
using Apc.Cli.Experiments.Slurm;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

public sealed class ExperimentSettings : ExecutorSettings
{
    [CommandOption("--config <FILE>")]
    [Description("Experiment plan (JSON; see docs/experiments.md). Required, except with --status or --combine.")]
    public string Config { get; init; } = "";

    [CommandOption("--out <DIR>")]
    [Description("Output folder: one folder per seed and stage, results.json, results.md, report.html; with --combine, the folder for combined.md and the charts (required there).")]
    [DefaultValue("runs/experiment")]
    public string Out { get; init; } = "runs/experiment";

    [CommandOption("--force")]
    [Description("Redo every stage even if it finished before; with --combine, write into a folder whose combined.md or consistency charts no fingerprint describes.")]
    public bool Force { get; init; }

    [CommandOption("--status <DIR>")]
    [Description("Show each stage of the experiment in DIR as done, queued, running, failed or not run, with its Slurm job; runs nothing.")]
    public string? Status { get; init; }

    [CommandOption("--collect")]
    [Description("Only collect finished stages into results.json, results.md and report.html (what the Slurm report job runs); fails if a stage is unfinished.")]
    public bool Collect { get; init; }

    [CommandOption("--combine <DIRS>")]
    [Description("Comma-separated --out folders (or results.json files) of experiments run as parts of one study, evaluated alike: write --out/combined.md and the consistency charts over all of them from their results (nothing runs; docs/experiments.md).")]
    public string? Combine { get; init; }
}

public sealed class ExperimentCommand : Command<ExperimentSettings>
{
    public override int Execute(CommandContext context, ExperimentSettings settings, CancellationToken cancellationToken)
    {
        var command = Apc.Util.CommandLine.Format(context.Arguments.Prepend("apc"));
        if (settings.Status is { } statusDir)
        {
            if (!string.IsNullOrWhiteSpace(settings.Config) || settings.Collect || settings.Force || settings.Combine is not null)
                throw new UsageException("--status DIR only reads; give it without --config, --collect, --combine or --force.");
            ExperimentStatus.Print(ExperimentStatus.Read(statusDir));
            return 0;
        }
        if (settings.Combine is { } combine)
        {
            if (!string.IsNullOrWhiteSpace(settings.Config) || settings.Collect)
                throw new UsageException("--combine reads finished experiments; give it without --config or --collect.");
            // Nothing runs, so where and how stages would run does not apply; a silently ignored --dry-run would mislead.
            if (settings.OnSlurm || settings.DryRun || settings.Jobs != 1 || settings.Device != "cpu" || settings.Threads != 0
                || new Experiments.Slurm.SlurmOptions(settings.Partition, settings.Time, settings.CpusPerTask, settings.Mem, settings.Gres).Directives().Any())
                throw new UsageException("--combine runs nothing; give it with --out (and --force) only, without --executor, --jobs, --dry-run, Slurm options, --device or --threads.");
            if (!EarlyChecks.Given(context, "--out"))
                throw new UsageException("--combine needs --out DIR, a folder for combined.md and the charts (not one of the experiments combined).");
            var sources = combine.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            foreach (var file in CombinedStudy.Run(sources, settings.Out, settings.Force, command))
                AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(file)}[/]");
            return 0;
        }
        if (string.IsNullOrWhiteSpace(settings.Config)) throw new UsageException("experiment: --config FILE is required.");
        var slurm = settings.SlurmOptions();
        if (settings.Collect && (settings.OnSlurm || settings.Force))
            throw new UsageException("--collect runs nothing; give it without --executor slurm or --force.");
        var config = ExperimentConfig.Load(settings.Config);
        if (settings.Collect)
            ExperimentRunner.Collect(config, settings.Out, settings.Device, settings.StageThreads, command, SlurmJobRecord.Read(Path.GetFullPath(settings.Out))?.SubmittedUtc);
        else if (settings.OnSlurm)
            return DemoCommand.Submit(config, settings.Out, settings, settings.Force, slurm);
        else
            ExperimentRunner.Run(config, settings.Out, settings.Force, settings.Device, settings.Threads, command, settings.Jobs);
        AnsiConsole.MarkupLine($"Results: [bold]{Markup.Escape(Path.Combine(settings.Out, "results.md"))}[/], report: [bold]{Markup.Escape(Path.Combine(settings.Out, "report.html"))}[/]");
        return 0;
    }
}

public sealed class DemoSettings : ExecutorSettings
{
    [CommandOption("--quick")]
    [Description("Tiny sizes, two methods, two matchers: about one minute on an idle 2-core machine (what the test suite runs).")]
    public bool Quick { get; init; }

    [CommandOption("--full")]
    [Description("The study's core plan: 4 compression methods × 4 matchers (naive, AT, WCAM, stochastic WCAM), 1,000 evaluation scenes, seeds 0,1,2 (about 6 hours on 2 cores where oneDNN runs capped, estimated from stage times in docs/results.md; resumable). The logit-KD controls and β sweeps are the plans in docs/study-test.")]
    public bool Full { get; init; }

    [CommandOption("--seeds <LIST>")]
    [Description("Comma-separated seeds (default 0; 0,1,2 with --full); several give means with 95% confidence intervals.")]
    public string? Seeds { get; init; }

    [CommandOption("--out <DIR>")]
    [Description("Output folder (default runs/demo, runs/demo-full with --full, runs/demo-quick with --quick).")]
    public string? Out { get; init; }

    [CommandOption("--force")]
    [Description("Redo every stage, even those that finished before.")]
    public bool Force { get; init; }

    [CommandOption("--retrain-teacher")]
    [Description("Train the teacher (as the shipped one was trained) instead of starting from the shipped checkpoint.")]
    public bool RetrainTeacher { get; init; }

    [CommandOption("--data-root <DIR>")]
    [Description("Folder with the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist), as for every verb that reads data.")]
    public string? DataRoot { get; init; }

    [CommandOption("--match-weight <BETA>")]
    [Description("β of every matcher. Default: 10 (L_AM on 4×4 maps at pool5 is about 3× what it is on the reference's 7×7 maps), and 3 for the kd student trained from scratch.")]
    public double? MatchWeight { get; init; }
}

public sealed class DemoCommand : Command<DemoSettings>
{
    public override int Execute(CommandContext context, DemoSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Quick && settings.Full) throw new UsageException("--quick and --full contradict each other; give one.");
        var seeds = ParseSeeds(settings.Seeds ?? (settings.Full ? "0,1,2" : "0"));
        if (settings.MatchWeight is { } beta && !(beta >= 0)) throw new UsageException($"--match-weight must be non-negative (got {beta}).");
        var slurm = settings.SlurmOptions();
        var plan = settings.Quick ? DemoConfigs.Quick(seeds, settings.RetrainTeacher)
            : settings.Full ? DemoConfigs.Study(seeds, settings.RetrainTeacher)
            : DemoConfigs.Full(seeds, settings.RetrainTeacher);
        if (settings.DataRoot is not null) plan = plan with { Data = plan.Data with { DataRoot = settings.DataRoot } };
        var config = (settings.MatchWeight is { } weight ? DemoConfigs.WithMatchWeight(plan, weight) : plan).Validated("apc demo");
        var outDir = settings.Out ?? (settings.Quick ? "runs/demo-quick" : settings.Full ? "runs/demo-full" : "runs/demo");
        var teacher = config.Teacher.Checkpoint is null ? $"train a teacher ({config.Teacher.Arch})" : "start from the shipped teacher";
        AnsiConsole.MarkupLine($"[bold]apc demo{(settings.Quick ? " --quick" : settings.Full ? " --full" : "")}[/]: {Markup.Escape(teacher)} on fashion-scenes, compress it with " +
            $"{string.Join("; ", config.Compressions.Select(c => $"{c.Name} × {string.Join(", ", config.MatchersOf(c))}"))}, evaluate with " +
            $"{string.Join(", ", config.Evaluation.Methods)}. Output: {Markup.Escape(outDir)}");
        if (settings.OnSlurm) return Submit(config, outDir, settings, settings.Force, slurm);
        ExperimentRunner.Run(config, outDir, settings.Force, settings.Device, settings.Threads, Apc.Util.CommandLine.Format(context.Arguments.Prepend("apc")), settings.Jobs);
        AnsiConsole.MarkupLine($"Results: [bold]{Markup.Escape(Path.Combine(outDir, "results.md"))}[/], report: [bold]{Markup.Escape(Path.Combine(outDir, "report.html"))}[/]");
        return 0;
    }

    /// <summary>The Slurm executor's part of apc experiment and apc demo: submit (or only write, with --dry-run) and say so.</summary>
    internal static int Submit(ExperimentConfig config, string outDir, ExecutorSettings settings, bool force, SlurmOptions slurm)
    {
        var outcomes = SlurmSubmission.Submit(config, outDir, force, settings.Device, settings.StageThreads, slurm, settings.DryRun);
        SlurmSubmission.Print(outcomes, Path.GetFullPath(outDir), settings.DryRun);
        return 0;
    }

    public static int[] ParseSeeds(string text)
    {
        // "0,,1" is a typo, not "0,1" (as explain's --index); one trailing comma is forgiven.
        if (text.Split(',', StringSplitOptions.TrimEntries).SkipLast(1).Any(e => e.Length == 0) && text.Trim().Length > 0)
            throw new UsageException($"--seeds '{text}': an empty entry between commas; expected seeds like 0,1,2.");
        var seeds = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s =>
            int.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 0 ? n
                : throw new UsageException($"--seeds: '{s}' is not a non-negative integer.")).ToArray();
        if (seeds.Length == 0) throw new UsageException("--seeds: give at least one seed.");
        if (seeds.GroupBy(s => s).FirstOrDefault(g => g.Count() > 1) is { } repeated)
            throw new UsageException($"--seeds: seed {repeated.Key} is given more than once; each seed is one run.");
        return seeds;
    }
}
