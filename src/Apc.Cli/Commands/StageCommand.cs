using System.ComponentModel;
using Apc.Cli.Experiments;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

public sealed class StageSettings : CommandSettings
{
    [CommandOption("--done <FILE>", isRequired: true)]
    [Description("The stage's done marker, written (with the stage's fingerprint) only when the command succeeds.")]
    public string Done { get; init; } = "";

    [CommandOption("--label <TEXT>")]
    [Description("The stage's name in messages.")]
    [DefaultValue("stage")]
    public string Label { get; init; } = "stage";

    [CommandOption("-v|--verbose")]
    [Description("Show stack traces and extra detail on errors.")]
    public bool Verbose { get; init; }
}

/// <summary>apc stage --done FILE -- VERB ARGS...: runs one experiment stage as the local executor does (the verb with its
/// arguments, then the done marker). What each Slurm job of apc experiment --executor slurm runs.</summary>
public sealed class StageCommand : Command<StageSettings>
{
    public override int Execute(CommandContext context, StageSettings settings, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(settings.Done)) throw new UsageException("stage: --done FILE is required.");
        // The words after the first "--", as given: Spectre's Remaining.Raw drops empty words (--lr-steps "").
        var given = context.Arguments.ToList();
        int separator = given.IndexOf("--");
        var arguments = separator < 0 ? Array.Empty<string>() : given.Skip(separator + 1).ToArray();
        if (arguments.Length == 0) throw new UsageException("stage: give the stage's apc command line after --, e.g. apc stage --done DIR/DONE -- evaluate --model M --out DIR.");
        StageJob.Run(settings.Label, arguments, settings.Done);
        return 0;
    }
}
