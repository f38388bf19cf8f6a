using System.ComponentModel;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

/// <summary>The options of quantization, as <see cref="CompressStages"/> reads them (unset = the library's default).</summary>
public interface IQuantizeOptions
{
    int? Bits { get; }
    int? ActivationBits { get; }
    int? CalibrationImages { get; }
    bool NoQat { get; }
    double? RangeMomentum { get; }
}

/// <summary>apc compress quantize: integer grids for weights and activations, then quantization-aware fine-tuning.</summary>
public sealed class QuantizeSettings : CompressSettings, IQuantizeOptions, IFineTuneDistillationOptions
{
    public override string Method => "quantize";

    [CommandOption("--bits <N>")]
    [Description(CompressHelp.Bits + " Default 8.")]
    public int? Bits { get; init; }

    [CommandOption("--activation-bits <N>")]
    [Description(CompressHelp.ActivationBits + " Default 8.")]
    public int? ActivationBits { get; init; }

    [CommandOption("--calibration-images <N>")]
    [Description(CompressHelp.QuantizeCalibrationImages + " Default 256.")]
    public int? CalibrationImages { get; init; }

    [CommandOption("--no-qat")]
    [Description(CompressHelp.NoQat)]
    public bool NoQat { get; init; }

    [CommandOption("--range-momentum <M>")]
    [Description(CompressHelp.RangeMomentum + " Default 0.99.")]
    public double? RangeMomentum { get; init; }

    [CommandOption("--finetune-kd <ALPHA>")]
    [Description(CompressHelp.FineTuneKd)]
    public double? FineTuneKd { get; init; }
}
