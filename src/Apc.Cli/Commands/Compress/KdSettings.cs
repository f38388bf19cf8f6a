using System.ComponentModel;
using Apc.Compression;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

/// <summary>The options of distillation, as <see cref="CompressStages"/> reads them (unset = the library's default).</summary>
public interface IKdOptions
{
    string? Student { get; }
    double? KdAlpha { get; }
    double? Temperature { get; }
}

/// <summary>apc compress kd: knowledge distillation into a smaller student.</summary>
public sealed class KdSettings : CompressSettings, IKdOptions
{
    public override string Method => "kd";

    [CommandOption("--student <SPEC>")]
    [Description(CompressHelp.Student + " Default " + DistillationOptions.DefaultStudent + ".")]
    public string? Student { get; init; }

    [CommandOption("--kd-alpha <ALPHA>")]
    [Description(CompressHelp.KdAlpha + " Default 0.9.")]
    public double? KdAlpha { get; init; }

    [CommandOption("--temperature <T>")]
    [Description(CompressHelp.Temperature + " Default 4.")]
    public double? Temperature { get; init; }
}
