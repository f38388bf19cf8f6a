using System.ComponentModel;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

/// <summary>The options of structured (filter) pruning, as <see cref="CompressStages"/> reads them (unset = the library's default).</summary>
public interface IStructuredOptions
{
    double? Ratio { get; }
    string? Criterion { get; }
    string? Preset { get; }
    string? LayerRatios { get; }
    int? CalibrationImages { get; }
    int? Rounds { get; }
}

/// <summary>Logit distillation while a stage fine-tunes (apc compress structured, unstructured and quantize).</summary>
public interface IFineTuneDistillationOptions
{
    double? FineTuneKd { get; }
}

/// <summary>apc compress structured: removes whole filters of convs, then fine-tunes.</summary>
public sealed class StructuredSettings : CompressSettings, IStructuredOptions, IFineTuneDistillationOptions
{
    public override string Method => "structured";

    [CommandOption("--ratio <P>")]
    [Description(CompressHelp.Ratio)]
    public double? Ratio { get; init; }

    [CommandOption("--criterion <NAME>")]
    [Description(CompressHelp.Criterion + " Default l1.")]
    public string? Criterion { get; init; }

    [CommandOption("--preset <NAME>")]
    [Description(CompressHelp.Preset)]
    public string? Preset { get; init; }

    [CommandOption("--layer-ratios <LIST>")]
    [Description(CompressHelp.LayerRatios)]
    public string? LayerRatios { get; init; }

    [CommandOption("--calibration-images <N>")]
    [Description(CompressHelp.StructuredCalibrationImages + " Default 128.")]
    public int? CalibrationImages { get; init; }

    [CommandOption("--rounds <N>")]
    [Description(CompressHelp.StructuredRounds + " Default 1.")]
    public int? Rounds { get; init; }

    [CommandOption("--finetune-kd <ALPHA>")]
    [Description(CompressHelp.FineTuneKd)]
    public double? FineTuneKd { get; init; }
}
