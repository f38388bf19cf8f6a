using System.ComponentModel;
using Spectre.Console.Cli;

namespace Apc.Cli.Settings;

/// <summary>Options every verb has.</summary>
public class CommonSettings : CommandSettings
{
    [CommandOption("--verbose")]
    [Description("Show stack traces and extra detail on errors.")]
    public bool Verbose { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("Where to compute: cpu, cuda or cuda:N.")]
    [DefaultValue("cpu")]
    public string Device { get; init; } = "cpu";

    [CommandOption("--threads <N>")]
    [Description("Torch intra-op threads (0 = torch's default, all cores).")]
    [DefaultValue(0)]
    public int Threads { get; init; }
}
