using System.ComponentModel;
using Spectre.Console.Cli;

namespace Apc.Cli.Settings;

/// <summary>SGD options shared by every verb that trains (train, compress); same names and defaults everywhere.</summary>
public class OptimizerSettings : DataSettings
{
    [CommandOption("--momentum <M>")]
    [Description("SGD momentum (0 = plain SGD).")]
    [DefaultValue(0.9)]
    public double Momentum { get; init; } = 0.9;

    [CommandOption("--weight-decay <WD>")]
    [Description("L2 weight decay added to the gradient of every parameter (SGD's weight_decay).")]
    [DefaultValue(1e-4)]
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>A step after the last epoch never happens; on the command line that is a slip (the library allows it, so
    /// that a run can be cut short and resumed with more epochs).</summary>
    public static int[] LrStepsWithin(int[] steps, int epochs) =>
        steps.FirstOrDefault(s => s > epochs) is var late and > 0
            ? throw new UsageException($"--lr-steps: epoch {late} is beyond --epochs {epochs}; the step would never happen.")
            : steps;
}
