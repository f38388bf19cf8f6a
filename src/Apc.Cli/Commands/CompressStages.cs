using Apc.Compression.Pruning;
using System.Text.Json.Nodes;
using Apc.Compression;
using Apc.Compression.Quantization;
using Apc.Training;

namespace Apc.Cli.Commands;

/// <summary>Builds the compression stage of each method from the command's options, with its schedule. The pruning
/// and quantization stages live in Apc.Compression.Pruning and Apc.Compression.Quantization; each is wired by one
/// small factory below.</summary>
public static class CompressStages
{
    public static readonly string[] Methods = { "kd", "structured", "unstructured", "quantize" };
    public const string Pipeline = "pipeline";

    /// <summary>Which method each method-specific option belongs to.</summary>
    public static readonly IReadOnlyDictionary<string, string> OptionOwners = new Dictionary<string, string>
    {
        ["--student"] = "kd", ["--kd-alpha"] = "kd", ["--temperature"] = "kd",
        ["--ratio"] = "structured", ["--criterion"] = "structured", ["--preset"] = "structured", ["--iterations"] = "structured",
        ["--layer-ratios"] = "structured", ["--calibration-images"] = "structured",
        ["--rounds"] = "unstructured", ["--rate"] = "unstructured", ["--include-linear"] = "unstructured",
        ["--bits"] = "quantize", ["--activation-bits"] = "quantize", ["--calibrate"] = "quantize", ["--qat"] = "quantize",
        ["--range-momentum"] = "quantize",
        ["--stages"] = Pipeline,
    };

    public const int KdEpochs = 6, FineTuneEpochs = 3;
    public const double KdLearningRate = 0.05, FineTuneLearningRate = 0.01;

    /// <summary>The methods to run: the one named, or the --stages list of a pipeline.</summary>
    public static IReadOnlyList<string> Plan(string method, string? stages)
    {
        if (method != Pipeline)
        {
            if (!Methods.Contains(method))
                throw new UsageException($"unknown compression method '{method}'; valid: {string.Join(", ", Methods)}, {Pipeline}.");
            return new[] { method };
        }
        var list = (stages ?? "structured,kd,quantize")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.ToLowerInvariant()).ToList();
        foreach (var s in list)
            if (!Methods.Contains(s)) throw new UsageException($"--stages: unknown method '{s}'; valid: {string.Join(", ", Methods)}.");
        CompressionPipeline.CheckOrder(list);
        return list;
    }

    /// <summary>Rejects method-specific options given to a run that does not use that method.</summary>
    public static void CheckOptionsApply(IEnumerable<string> arguments, string method, IReadOnlyList<string> methods)
    {
        foreach (var argument in arguments)
        {
            var name = argument.Split('=', 2)[0];
            if (!OptionOwners.TryGetValue(name, out var owner)) continue;
            bool applies = owner == Pipeline ? method == Pipeline : methods.Contains(owner);
            if (!applies)
                throw new UsageException($"{name} is an option of {owner}, which this run ({method}{(method == Pipeline ? " " + string.Join(',', methods) : "")}) does not use.");
        }
    }

    /// <summary>The step for <paramref name="method"/>; <paramref name="first"/> when it starts from the teacher.</summary>
    public static PipelineStep Create(string method, bool first, CompressSettings s) => method switch
    {
        "kd" => Kd(first, s),
        "structured" => Structured(s),
        "unstructured" => Unstructured(s),
        "quantize" => Quantize(s),
        _ => throw new UsageException($"unknown compression method '{method}'; valid: {string.Join(", ", Methods)}."),
    };

    /// <summary>Distillation from scratch gets the longer schedule with a decaying rate; distillation into an already
    /// compressed network (later in a pipeline) and every other method fine-tune with the short constant one.</summary>
    public static TrainingOptions Schedule(CompressSettings s, bool fromScratch)
    {
        int epochs = s.Epochs ?? (fromScratch ? KdEpochs : FineTuneEpochs);
        double lr = s.Lr ?? (fromScratch ? KdLearningRate : FineTuneLearningRate);
        var steps = s.ParsedLrSteps() is { } given ? Settings.OptimizerSettings.LrStepsWithin(given, epochs)
            : fromScratch ? DecaySteps(epochs) : Array.Empty<int>();
        return new TrainingOptions(epochs, s.BatchSize, lr, s.Momentum, s.WeightDecay, steps, 0.1, s.Seed, s.Device, s.Threads).Validated();
    }

    /// <summary>Rate divided by 10 after ⌊60%⌋ and after ⌊85%⌋ of the epochs (8 epochs: at 5 and 7, as the teacher's former
    /// default; the reference divides at 150, 200 and 250 of 350).</summary>
    public static int[] DecaySteps(int epochs) =>
        new[] { (int)Math.Floor(0.6 * epochs) + 1, (int)Math.Floor(0.85 * epochs) + 1 }
            .Where(e => e > 1 && e <= epochs).Distinct().ToArray();

    static PipelineStep Kd(bool first, CompressSettings s)
    {
        var options = new DistillationOptions(s.Student, s.KdAlpha, s.Temperature).Validated();
        var config = new JsonObject { ["student"] = first ? options.Student : "previous stage", ["alpha"] = options.Alpha, ["temperature"] = options.Temperature };
        return new PipelineStep(new DistillationStage(options), Schedule(s, fromScratch: first), config);
    }

    static PipelineStep Structured(CompressSettings s)
    {
        var defaults = new StructuredPruningOptions();
        var options = new StructuredPruningOptions(
            Ratio: StructuredPruningOptions.RatioOrDefault(s.Ratio, s.Preset, s.LayerRatios is not null),
            Preset: s.Preset,
            PerLayer: s.LayerRatios is null ? null : StructuredPruningOptions.ParseLayerRatios(s.LayerRatios),
            Criterion: s.Criterion ?? defaults.Criterion,
            Iterations: s.Iterations ?? defaults.Iterations,
            CalibrationImages: s.CalibrationImages ?? defaults.CalibrationImages).Validated();
        var config = new JsonObject
        {
            ["ratio"] = options.Ratio, ["preset"] = options.Preset, ["layer_ratios"] = s.LayerRatios, ["criterion"] = options.Criterion,
            ["iterations"] = options.Iterations, ["calibration_images"] = options.CalibrationImages,
        };
        return new PipelineStep(new StructuredPruningStage(options), Schedule(s, fromScratch: false), config);
    }

    static PipelineStep Unstructured(CompressSettings s)
    {
        var defaults = new UnstructuredPruningOptions();
        var options = new UnstructuredPruningOptions(s.Rounds ?? defaults.Rounds, s.Rate ?? defaults.Rate, s.IncludeLinear).Validated();
        var config = new JsonObject
        {
            ["rounds"] = options.Rounds, ["rate"] = options.Rate, ["include_linear"] = options.IncludeLinear, ["final_sparsity"] = options.FinalSparsity,
        };
        return new PipelineStep(new UnstructuredPruningStage(options), Schedule(s, fromScratch: false), config);
    }

    static PipelineStep Quantize(CompressSettings s)
    {
        var options = new QuantizationOptions(Seed: s.Seed);
        if (s.Bits is { } bits) options = options with { Bits = bits };
        if (s.ActivationBits is { } activationBits) options = options with { ActivationBits = activationBits };
        if (s.Calibrate is { } images) options = options with { CalibrationImages = images };
        if (s.Qat is { } qat) options = options with { Qat = qat };
        if (s.RangeMomentum is { } momentum) options = options with { RangeMomentum = momentum };
        options = options.Validated();
        var config = new JsonObject
        {
            ["bits"] = options.Bits, ["activation_bits"] = options.ActivationBits, ["calibration_images"] = options.CalibrationImages,
            ["qat"] = options.Qat, ["range_momentum"] = options.RangeMomentum,
        };
        return new PipelineStep(new QuantizationStage(options), Schedule(s, fromScratch: false), config);
    }
}
