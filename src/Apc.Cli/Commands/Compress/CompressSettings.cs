using System.ComponentModel;
using Apc.Cli.Settings;
using Apc.Matching;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

/// <summary>Options of every apc compress sub-command (kd, structured, unstructured, block-sparse, unify, quantize, kernel-quantize, pipeline): the teacher,
/// the output folder, attribution matching and the fine-tuning schedule. Each method's own options live in its
/// settings type (<see cref="KdSettings"/>, <see cref="StructuredSettings"/>, ...), so `apc compress METHOD --help`
/// lists only what applies and another method's option is a usage error. Schedule options left unset take the
/// method's defaults (docs/compression.md).</summary>
public abstract class CompressSettings : OptimizerSettings
{
    /// <summary>The sub-command: kd, structured, unstructured, block-sparse, unify, quantize, kernel-quantize or pipeline.</summary>
    public abstract string Method { get; }

    /// <summary>The methods this run applies, in order: the one named, or a pipeline's stages.</summary>
    public virtual IReadOnlyList<string> Methods => new[] { Method };

    [CommandOption("--teacher <CKPT>", isRequired: true)]
    [Description("The original network (an apc checkpoint); attributions are matched to it in every stage.")]
    public string Teacher { get; init; } = "";

    [CommandOption("--out <DIR>")]
    [Description("Output folder: model.ckpt, metrics.json (and stage-N-METHOD/ folders for a pipeline). Default runs/compress-METHOD.")]
    public string? Out { get; init; }

    [CommandOption("--resume")]
    [Description("Continue an interrupted run in --out (only one with the same settings; finished pipeline stages are reloaded).")]
    public bool Resume { get; init; }

    [CommandOption("--force")]
    [Description("Replace what --out holds (another run's model, state and stage folders) and start afresh.")]
    public bool Force { get; init; }

    [CommandOption("--format <FORMAT>")]
    [Description(OutputFormats.Description + " The JSON is what OUT/metrics.json holds.")]
    [DefaultValue("table")]
    public string Format { get; init; } = "table";

    // Attribution matching (docs/method.md §2).
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
    [Description("Training epochs per stage (default: kd from scratch 6; fine-tuning 3).")]
    public int? Epochs { get; init; }

    [CommandOption("--lr <RATE>")]
    [Description("Initial learning rate (default: kd from scratch 0.05; fine-tuning 0.01).")]
    public double? Lr { get; init; }

    [CommandOption("--lr-steps <EPOCHS>")]
    [Description("Comma-separated epochs (1-based) from which the rate is divided by 10: 8 means epoch 8 on trains at --lr/10 (default: kd from scratch after ⌊60%⌋ and ⌊85%⌋ of the epochs, i.e. from 8 and 11 for 12 epochs; fine-tuning constant).")]
    public string? LrSteps { get; init; }

    [CommandOption("--latency-repeats <N>")]
    [Description("Timed forwards of 64 validation images by the teacher and by the result, after 2 untimed ones each; the median is reported. 0 skips the latency measurement (reported as not measured).")]
    [DefaultValue(7)]
    public int LatencyRepeats { get; init; } = 7;

    public string OutDir => Out ?? Path.Combine("runs", "compress-" + Method);

    /// <summary>The checked <see cref="LatencyRepeats"/>.</summary>
    public int CheckedLatencyRepeats() => LatencyRepeats is >= 0 and <= 1000 ? LatencyRepeats
        : throw new UsageException($"--latency-repeats must be in [0, 1000] (got {LatencyRepeats}).");

    public OutputFormat OutputFormat => OutputFormats.Parse(Format);

    public MatcherOptions ToMatcherOptions() => new MatcherOptions(
        MatcherOptions.ParseKind(Match), MatchWeight, Drop, LayerWeight.ParseList(MatchLayers),
        MatcherOptions.ParseClasses(MatchClasses), Seed).Validated();

    public int[]? ParsedLrSteps() => LrSteps is null ? null : TrainSettings.ParseEpochList(LrSteps, "--lr-steps");
}
