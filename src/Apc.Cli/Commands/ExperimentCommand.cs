using System.ComponentModel;
using Apc.Cli.Experiments;
using Apc.Cli.Settings;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

public sealed class ExperimentSettings : CommonSettings
{
    [CommandOption("--config <FILE>")]
    [Description("Experiment plan (JSON; see docs/experiments.md).")]
    public string Config { get; init; } = "";

    [CommandOption("--out <DIR>")]
    [DefaultValue("runs/experiment")]
    public string Out { get; init; } = "runs/experiment";

    [CommandOption("--force")]
    [Description("Redo every stage even if it finished before.")]
    public bool Force { get; init; }
}

public sealed class ExperimentCommand : Command<ExperimentSettings>
{
    public override int Execute(CommandContext context, ExperimentSettings settings, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(settings.Config)) throw new UsageException("experiment: --config FILE is required.");
        var config = ExperimentConfig.Load(settings.Config);
        ExperimentRunner.Run(config, settings.Out, settings.Force, settings.Device, settings.Threads, "apc " + string.Join(' ', context.Arguments));
        AnsiConsole.MarkupLine($"Results: [bold]{Markup.Escape(Path.Combine(settings.Out, "results.md"))}[/], report: [bold]{Markup.Escape(Path.Combine(settings.Out, "report.html"))}[/]");
        return 0;
    }
}

public sealed class DemoSettings : CommonSettings
{
    [CommandOption("--quick")]
    [Description("Tiny sizes, two methods, two matchers: about two minutes (what the test suite runs).")]
    public bool Quick { get; init; }

    [CommandOption("--seeds <LIST>")]
    [Description("Comma-separated seeds; several give mean ± standard deviation.")]
    [DefaultValue("0")]
    public string Seeds { get; init; } = "0";

    [CommandOption("--out <DIR>")]
    [Description("Output folder (default runs/demo, or runs/demo-quick with --quick).")]
    public string? Out { get; init; }

    [CommandOption("--force")]
    public bool Force { get; init; }

    [CommandOption("--match-weight <BETA>")]
    [Description("β of every matcher (the demo matches 4×4 maps at pool4, where L_AM is about 3× larger than on the reference's 7×7 maps).")]
    [DefaultValue(10.0)]
    public double MatchWeight { get; init; } = 10;
}

public sealed class DemoCommand : Command<DemoSettings>
{
    public override int Execute(CommandContext context, DemoSettings settings, CancellationToken cancellationToken)
    {
        var seeds = ParseSeeds(settings.Seeds);
        if (!(settings.MatchWeight >= 0)) throw new UsageException($"--match-weight must be non-negative (got {settings.MatchWeight}).");
        var config = (settings.Quick ? DemoConfigs.Quick(seeds) : DemoConfigs.Full(seeds)).Validated("apc demo") with { MatchWeight = settings.MatchWeight };
        var outDir = settings.Out ?? (settings.Quick ? "runs/demo-quick" : "runs/demo");
        AnsiConsole.MarkupLine($"[bold]apc demo{(settings.Quick ? " --quick" : "")}[/]: train a teacher on fashion-scenes, compress it with " +
            $"{string.Join(", ", config.Compressions.Select(c => c.Name))} × {string.Join(", ", config.Matchers)}, evaluate with " +
            $"{string.Join(", ", config.Evaluation.Methods)}. Output: {Markup.Escape(outDir)}");
        ExperimentRunner.Run(config, outDir, settings.Force, settings.Device, settings.Threads, "apc " + string.Join(' ', context.Arguments));
        AnsiConsole.MarkupLine($"Results: [bold]{Markup.Escape(Path.Combine(outDir, "results.md"))}[/], report: [bold]{Markup.Escape(Path.Combine(outDir, "report.html"))}[/]");
        return 0;
    }

    public static int[] ParseSeeds(string text)
    {
        var seeds = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s =>
            int.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 0 ? n
                : throw new UsageException($"--seeds: '{s}' is not a non-negative integer.")).ToArray();
        if (seeds.Length == 0) throw new UsageException("--seeds: give at least one seed.");
        if (seeds.GroupBy(s => s).FirstOrDefault(g => g.Count() > 1) is { } repeated)
            throw new UsageException($"--seeds: seed {repeated.Key} is given more than once; each seed is one run.");
        return seeds;
    }
}
