using System.ComponentModel;
using Apc.Data;
using Spectre.Console.Cli;

namespace Apc.Cli.Settings;

/// <summary>Options shared by every verb that reads a data set (same names everywhere).</summary>
public class DataSettings : CommonSettings
{
    [CommandOption("--dataset <SPEC>")]
    [Description("fashion-scenes (multi-label scenes built from Fashion-MNIST) or voc:<root> (PASCAL VOC 2012 layout).")]
    [DefaultValue("fashion-scenes")]
    public string Dataset { get; init; } = "fashion-scenes";

    [CommandOption("--data-root <DIR>")]
    [Description("Folder with the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist).")]
    public string? DataRoot { get; init; }

    [CommandOption("--train-size <N>")]
    [Description("Training images (fashion-scenes default 8000; VOC default all).")]
    public int? TrainSize { get; init; }

    [CommandOption("--val-size <N>")]
    [Description("Validation images (fashion-scenes default 1000; VOC default all).")]
    public int? ValSize { get; init; }

    [CommandOption("--test-size <N>")]
    [Description("Held-out test images, used by evaluate --split test (fashion-scenes default 1000: scenes from Fashion-MNIST test images the validation split never uses; VOC: the segmentation list, all by default).")]
    public int? TestSize { get; init; }

    [CommandOption("--image-size <PX>")]
    [Description("Input size in pixels (fashion-scenes canvas default 64; VOC default 227).")]
    public int? ImageSize { get; init; }

    [CommandOption("--batch-size <N>")]
    [Description("Images per batch.")]
    [DefaultValue(64)]
    public int BatchSize { get; init; } = 64;

    [CommandOption("--seed <N>")]
    [Description("Seed for data generation, initialisation, order and augmentation.")]
    [DefaultValue(0)]
    public int Seed { get; init; }

    public DataOptions ToDataOptions() => DataOptionsBuilder.Build(this);

    public override Spectre.Console.ValidationResult Validate()
    {
        DataOptionsBuilder.CheckBounds(this);
        return base.Validate();
    }
}
