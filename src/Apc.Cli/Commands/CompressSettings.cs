using System.ComponentModel;
using System.Globalization;
using Apc.Cli.Settings;
using Apc.Matching;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

/// <summary>Options of apc compress. Method-specific options say which method they belong to; giving one to
/// another method is a usage error. Schedule options left unset take the method's defaults (see docs/compression.md).</summary>
public sealed class CompressSettings : OptimizerSettings
{
    [CommandArgument(0, "<METHOD>")]
    [Description("kd, structured, unstructured, quantize or pipeline.")]
    public string Method { get; init; } = "";

    [CommandOption("--teacher <CKPT>")]
    [Description("The original network (an apc checkpoint); attributions are matched to it in every stage.")]
    public string? Teacher { get; init; }

    [CommandOption("--out <DIR>")]
    [Description("Output folder: model.ckpt, metrics.json (and stage-N-METHOD/ folders for a pipeline). Default runs/compress-METHOD.")]
    public string? Out { get; init; }

    [CommandOption("--resume")]
    [Description("Continue an interrupted run in --out (only one with the same settings; finished pipeline stages are reloaded).")]
    public bool Resume { get; init; }

    [CommandOption("--force")]
    [Description("Replace what --out holds (another run's model, state and stage folders) and start afresh.")]
    public bool Force { get; init; }

    // Attribution matching (method.md §2).
    [CommandOption("--match <KIND>")]
    [Description("Attribution matching: none, wcam (weighted collapsed attribution maps) or at (attention transfer).")]
    [DefaultValue("wcam")]
    public string Match { get; init; } = "wcam";

    [CommandOption("--match-weight <BETA>")]
    [Description("β, the weight of the matching loss.")]
    [DefaultValue(MatcherOptions.DefaultWeight)]
    public double MatchWeight { get; init; } = MatcherOptions.DefaultWeight;

    [CommandOption("--drop <P>")]
    [Description("wcam: stochastic matching, leave a random fraction P of the teacher's channels out of its map at every step.")]
    [DefaultValue(0.0)]
    public double Drop { get; init; }

    [CommandOption("--match-layers <LIST>")]
    [Description("Matching layers with weights, e.g. pool5:1,relu5_3:0.5 (default: each network's last pool / last stage, weight 1).")]
    public string? MatchLayers { get; init; }

    [CommandOption("--match-classes <WHICH>")]
    [Description("wcam: top1 (the teacher's top class) or positives (every class the teacher predicts).")]
    [DefaultValue("top1")]
    public string MatchClasses { get; init; } = "top1";

    // Schedule.
    [CommandOption("--epochs <N>")]
    [Description("Training epochs per stage (default: kd 6; fine-tuning 3).")]
    public int? Epochs { get; init; }

    [CommandOption("--lr <RATE>")]
    [Description("Initial learning rate (default: kd 0.05; fine-tuning 0.01).")]
    public double? Lr { get; init; }

    [CommandOption("--lr-steps <EPOCHS>")]
    [Description("Epochs at which the rate is divided by 10 (default: kd after 60% and 85% of the epochs, rounded down; fine-tuning constant).")]
    public string? LrSteps { get; init; }

    // kd.
    [CommandOption("--student <SPEC>")]
    [Description("kd: student architecture (built with the teacher's classes and input) or a .ckpt to start from.")]
    [DefaultValue(Apc.Compression.DistillationOptions.DefaultStudent)]
    public string Student { get; init; } = Apc.Compression.DistillationOptions.DefaultStudent;

    [CommandOption("--kd-alpha <ALPHA>")]
    [Description("kd: weight α of distillation in (1−α)·BCE + α·KD.")]
    [DefaultValue(Apc.Compression.DistillationOptions.DefaultAlpha)]
    public double KdAlpha { get; init; } = Apc.Compression.DistillationOptions.DefaultAlpha;

    [CommandOption("--temperature <T>")]
    [Description("kd: distillation temperature.")]
    [DefaultValue(Apc.Compression.DistillationOptions.DefaultTemperature)]
    public double Temperature { get; init; } = Apc.Compression.DistillationOptions.DefaultTemperature;

    // structured.
    [CommandOption("--ratio <P>")]
    [Description("structured: fraction of filters removed per pruned conv (reference 0.3; default 0.5 on every conv when neither --preset nor --layer-ratios is given).")]
    public double? Ratio { get; init; }

    [CommandOption("--criterion <NAME>")]
    [Description("structured: filter ranking, l1 (filter norm) or attribution.")]
    public string? Criterion { get; init; }

    [CommandOption("--preset <NAME>")]
    [Description("structured: which layers to prune: reference (conv1_1 and conv4_1..conv5_3 of VGG16, at --ratio or 0.3).")]
    public string? Preset { get; init; }

    [CommandOption("--layer-ratios <LIST>")]
    [Description("structured: per-layer ratios, e.g. conv1_1=0.3,conv4_1=0.5 (set or override single layers).")]
    public string? LayerRatios { get; init; }

    [CommandOption("--calibration-images <N>")]
    [Description("structured: training images the attribution criterion scores filters on.")]
    public int? CalibrationImages { get; init; }

    [CommandOption("--iterations <N>")]
    [Description("structured: prune-and-fine-tune iterations.")]
    public int? Iterations { get; init; }

    // unstructured.
    [CommandOption("--rounds <N>")]
    [Description("unstructured: prune-and-fine-tune rounds.")]
    public int? Rounds { get; init; }

    [CommandOption("--rate <P>")]
    [Description("unstructured: fraction of the remaining weights removed per round (reference 0.2).")]
    public double? Rate { get; init; }

    [CommandOption("--include-linear")]
    [Description("unstructured: prune the linear layer too.")]
    public bool IncludeLinear { get; init; }

    // quantize.
    [CommandOption("--bits <N>")]
    [Description("quantize: weight bits, 2..8 (default 8).")]
    public int? Bits { get; init; }

    [CommandOption("--activation-bits <N>")]
    [Description("quantize: activation bits, 2..8 (default 8).")]
    public int? ActivationBits { get; init; }

    [CommandOption("--calibrate <IMAGES>")]
    [Description("quantize: training images whose activation ranges calibrate the activation grids (default 256).")]
    public int? Calibrate { get; init; }

    [CommandOption("--qat <BOOL>")]
    [Description("quantize: true = quantization-aware fine-tuning after calibration (default); false = post-training quantization only.")]
    public bool? Qat { get; init; }

    [CommandOption("--range-momentum <M>")]
    [Description("quantize: momentum of the activation ranges during quantization-aware fine-tuning (default 0.99).")]
    public double? RangeMomentum { get; init; }

    // pipeline.
    [CommandOption("--stages <LIST>")]
    [Description("pipeline: methods in order, e.g. structured,kd,quantize.")]
    public string? Stages { get; init; }

    public string OutDir(string method) => Out ?? Path.Combine("runs", "compress-" + method);

    public MatcherOptions ToMatcherOptions() => new MatcherOptions(
        MatcherOptions.ParseKind(Match), MatchWeight, Drop, LayerWeight.ParseList(MatchLayers),
        MatcherOptions.ParseClasses(MatchClasses), Seed).Validated();

    public int[]? ParsedLrSteps() => LrSteps is null ? null : TrainSettings.ParseEpochList(LrSteps, "--lr-steps");

    public static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
