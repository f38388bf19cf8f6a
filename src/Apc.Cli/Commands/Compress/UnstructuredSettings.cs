using System.ComponentModel;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

/// <summary>The options of unstructured (weight) pruning, as <see cref="CompressStages"/> reads them (unset = the library's default).</summary>
public interface IUnstructuredOptions
{
    int? Rounds { get; }
    double? Rate { get; }
    bool IncludeLinear { get; }
}

/// <summary>apc compress unstructured: zeroes the smallest weights in rounds, fine-tuning after each.</summary>
public sealed class UnstructuredSettings : CompressSettings, IUnstructuredOptions, IFineTuneDistillationOptions
{
    public override string Method => "unstructured";

    [CommandOption("--rounds <N>")]
    [Description(CompressHelp.UnstructuredRounds + " Default 3.")]
    public int? Rounds { get; init; }

    [CommandOption("--rate <P>")]
    [Description(CompressHelp.Rate + " Default 0.2.")]
    public double? Rate { get; init; }

    [CommandOption("--include-linear")]
    [Description(CompressHelp.IncludeLinear)]
    public bool IncludeLinear { get; init; }

    [CommandOption("--finetune-kd <ALPHA>")]
    [Description(CompressHelp.FineTuneKd)]
    public double? FineTuneKd { get; init; }
}
