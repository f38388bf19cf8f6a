using System.ComponentModel;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

/// <summary>The options of weight unification, as <see cref="CompressStages"/> reads them (unset = the library's default).</summary>
public interface IUnifyOptions
{
    string? BlockShape { get; }
    double? ZeroFraction { get; }
    double? Rho { get; }
    double? RhoGrowth { get; }
    int? AdmmIterations { get; }
    int? AdmmEpochs { get; }
}

/// <summary>apc compress unify: micro-structured weight unification (one magnitude per block, each weight its own sign,
/// a fraction of the blocks at zero) trained with ADMM, then fine-tuned with the structure held.</summary>
public sealed class UnifySettings : CompressSettings, IUnifyOptions
{
    public override string Method => "unify";

    [CommandOption("--block-shape <RxS>")]
    [Description(CompressHelp.BlockShape + " Default 1x4.")]
    public string? BlockShape { get; init; }

    [CommandOption("--zero-fraction <Z>")]
    [Description(CompressHelp.ZeroFraction + " Default 0.5.")]
    public double? ZeroFraction { get; init; }

    [CommandOption("--rho <RHO>")]
    [Description(CompressHelp.Rho + " Default 0.5.")]
    public double? Rho { get; init; }

    [CommandOption("--rho-growth <G>")]
    [Description(CompressHelp.RhoGrowth + " Default 2.")]
    public double? RhoGrowth { get; init; }

    [CommandOption("--admm-iterations <N>")]
    [Description(CompressHelp.AdmmIterations + " Default 3.")]
    public int? AdmmIterations { get; init; }

    [CommandOption("--admm-epochs <N>")]
    [Description(CompressHelp.AdmmEpochs + " Default 1.")]
    public int? AdmmEpochs { get; init; }
}
