using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Cli.Settings;
using Apc.Data;
using Apc.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

public sealed class ImportSettings : CommonSettings
{
    [CommandOption("--pytorch <FILE>", isRequired: true)]
    [Description("A PyTorch state_dict saved with torch.save (torchvision key names; a 'module.' prefix is stripped).")]
    public string PyTorch { get; init; } = "";

    [CommandOption("--arch <SPEC>")]
    [Description("Architecture of the state_dict (as apc train --arch): vgg11-bn … vgg19-bn, resnet18, with width options.")]
    [DefaultValue("vgg16-bn")]
    public string Arch { get; init; } = "vgg16-bn";

    [CommandOption("--image-size <PX>")]
    [Description("Input size in pixels the network was trained at (recorded in the checkpoint; evaluate and explain resize images to it).")]
    [DefaultValue(227)]
    public int ImageSize { get; init; } = 227;

    [CommandOption("--in-channels <N>")]
    [Description("Input channels: 3 for colour, 1 for grey.")]
    [DefaultValue(3)]
    public int InChannels { get; init; } = 3;

    [CommandOption("--class-names <LIST>")]
    [Description("Comma-separated class names (default: the 20 PASCAL VOC classes).")]
    public string? ClassNames { get; init; }

    [CommandOption("--mean <LIST>")]
    [Description("Per-channel normalisation mean (default: method.md's VOC values).")]
    public string? Mean { get; init; }

    [CommandOption("--std <LIST>")]
    [Description("Per-channel normalisation standard deviation (default: method.md's VOC values).")]
    public string? Std { get; init; }

    [CommandOption("--dataset <SPEC>")]
    [Description("Data set the weights were trained on, recorded in the checkpoint.")]
    [DefaultValue("voc")]
    public string Dataset { get; init; } = "voc";

    [CommandOption("--out <FILE>")]
    [Description("The apc checkpoint to write.")]
    [DefaultValue("imported.ckpt")]
    public string Out { get; init; } = "imported.ckpt";
}

public sealed class ImportCommand : Command<ImportSettings>
{
    public override int Execute(CommandContext context, ImportSettings settings, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(settings.PyTorch)) throw new UsageException("import: --pytorch FILE is required.");
        var classes = settings.ClassNames?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                      ?? VocDataset.VocClassNames.ToArray();
        var mean = ParseFloats(settings.Mean, "--mean") ?? VocDataset.VocNormalization.Mean;
        var std = ParseFloats(settings.Std, "--std") ?? VocDataset.VocNormalization.Std;
        if (mean.Length != settings.InChannels || std.Length != settings.InChannels)
            throw new UsageException($"--mean and --std need {settings.InChannels} values (one per input channel).");
        var config = new ModelConfig(ArchSpec.Parse(settings.Arch), settings.InChannels, classes.Length, settings.ImageSize);
        using var model = PyTorchImport.Load(settings.PyTorch, config);
        var info = new CheckpointInfo("imported", config.Arch.ToString(), config.InChannels, config.NumClasses, config.ImageSize,
            classes, new Normalization(mean, std), settings.Dataset,
            CheckpointInfo.MakeProvenance(Apc.Util.CommandLine.Format(context.Arguments.Prepend("apc")), 0,
                new JsonObject { ["source"] = Path.GetFullPath(settings.PyTorch) }),
            new JsonObject());
        ModelCheckpoint.Save(settings.Out, info, model);
        AnsiConsole.MarkupLine($"Imported {Markup.Escape(settings.PyTorch)} as {config.Arch} ({model.ParameterCount():N0} parameters) -> [bold]{Markup.Escape(settings.Out)}[/]");
        return 0;
    }

    static float[]? ParseFloats(string? text, string option) =>
        text?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s =>
            float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
                : throw new UsageException($"{option}: '{s}' is not a number.")).ToArray();
}
