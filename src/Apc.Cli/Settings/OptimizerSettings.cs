using System.ComponentModel;
using Spectre.Console.Cli;

namespace Apc.Cli.Settings;

/// <summary>SGD options shared by every verb that trains (train, compress); same names and defaults everywhere.</summary>
public class OptimizerSettings : DataSettings
{
    [CommandOption("--momentum <M>")]
    [DefaultValue(0.9)]
    public double Momentum { get; init; } = 0.9;

    [CommandOption("--weight-decay <WD>")]
    [DefaultValue(1e-4)]
    public double WeightDecay { get; init; } = 1e-4;
}
