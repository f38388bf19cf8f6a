using System.Text.Json.Nodes;
using Apc.Compression;
using Apc.Compression.BlockSparse;
using Apc.Compression.KernelQuantization;
using Apc.Compression.Pruning;
using Apc.Compression.Quantization;
using Apc.Compression.Unification;
using Apc.Training;

namespace Apc.Cli.Commands;

/// <summary>Builds the compression step of each method from the command's options, with its schedule. The pruning
/// and quantization stages live in Apc.Compression.Pruning and Apc.Compression.Quantization; each is wired by one
/// small factory below. An option left unset takes the library's default.</summary>
public static class CompressStages
{
    public static readonly string[] Methods = { "kd", "structured", "unstructured", "block-sparse", "unify", "quantize", "kernel-quantize" };
    public const string Pipeline = "pipeline";

    public const int KdEpochs = 6, FineTuneEpochs = 3;
    public const double KdLearningRate = 0.05, FineTuneLearningRate = 0.01;

    /// <summary>A pipeline's --stages list, checked: known methods in an order the pipeline can run.</summary>
    public static IReadOnlyList<string> ParseStages(string stages)
    {
        var list = stages.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.ToLowerInvariant()).ToList();
        if (list.Count == 0) throw new UsageException($"--stages: give methods in order, e.g. {PipelineSettings.DefaultStages}.");
        foreach (var s in list)
            if (!Methods.Contains(s)) throw new UsageException($"--stages: unknown method '{s}'; valid: {string.Join(", ", Methods)}.");
        CompressionPipeline.CheckOrder(list);
        return list;
    }

    /// <summary>The steps of a run, in order; checks every option (what <see cref="EarlyChecks"/> runs before any file is read).</summary>
    public static IReadOnlyList<PipelineStep> Steps(CompressSettings s)
    {
        if (s is PipelineSettings pipeline) pipeline.CheckOptionsApply();
        return s.Methods.Select((method, i) => Create(method, i == 0, s)).ToList();
    }

    /// <summary>The step for <paramref name="method"/>; <paramref name="first"/> when it starts from the teacher.
    /// <paramref name="s"/> implements the method's options interface (its own settings type, or the pipeline's).</summary>
    public static PipelineStep Create(string method, bool first, CompressSettings s) => (method, s) switch
    {
        ("kd", IKdOptions kd) => Kd(kd, first, s),
        ("structured", IStructuredOptions structured) => Structured(structured, s),
        ("unstructured", IUnstructuredOptions unstructured) => Unstructured(unstructured, s),
        ("block-sparse", IBlockSparseOptions blocks) => BlockSparse(blocks, s),
        ("unify", IUnifyOptions unify) => Unify(unify, s),
        ("quantize", IQuantizeOptions quantize) => Quantize(quantize, s),
        ("kernel-quantize", IKernelQuantizeOptions kernels) => KernelQuantize(kernels, s),
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

    static PipelineStep Kd(IKdOptions k, bool first, CompressSettings s)
    {
        var defaults = new DistillationOptions();
        var options = new DistillationOptions(k.Student ?? defaults.Student, k.KdAlpha ?? defaults.Alpha, k.Temperature ?? defaults.Temperature).Validated();
        var config = new JsonObject { ["student"] = first ? options.Student : "previous stage", ["alpha"] = options.Alpha, ["temperature"] = options.Temperature };
        return new PipelineStep(new DistillationStage(options), Schedule(s, fromScratch: first), config);
    }

    static PipelineStep Structured(IStructuredOptions p, CompressSettings s)
    {
        var defaults = new StructuredPruningOptions();
        var options = new StructuredPruningOptions(
            Ratio: StructuredPruningOptions.RatioOrDefault(p.Ratio, p.Preset, p.LayerRatios is not null),
            Preset: p.Preset,
            PerLayer: p.LayerRatios is null ? null : StructuredPruningOptions.ParseLayerRatios(p.LayerRatios),
            Criterion: p.Criterion ?? defaults.Criterion,
            Rounds: p.Rounds ?? defaults.Rounds,
            CalibrationImages: p.CalibrationImages ?? defaults.CalibrationImages).Validated();
        // The keys are those of earlier runs' fingerprints ("iterations" is --rounds): renaming them would orphan finished runs.
        var config = new JsonObject
        {
            ["ratio"] = options.Ratio, ["preset"] = options.Preset, ["layer_ratios"] = p.LayerRatios, ["criterion"] = options.Criterion,
            ["iterations"] = options.Rounds, ["calibration_images"] = options.CalibrationImages,
        };
        return new PipelineStep(new StructuredPruningStage(options) { Distillation = FineTuneDistillation(s, config) }, Schedule(s, fromScratch: false), config);
    }

    static PipelineStep Unstructured(IUnstructuredOptions u, CompressSettings s)
    {
        var defaults = new UnstructuredPruningOptions();
        var options = new UnstructuredPruningOptions(u.Rounds ?? defaults.Rounds, u.Rate ?? defaults.Rate, u.IncludeLinear).Validated();
        var config = new JsonObject
        {
            ["rounds"] = options.Rounds, ["rate"] = options.Rate, ["include_linear"] = options.IncludeLinear, ["final_sparsity"] = options.FinalSparsity,
        };
        return new PipelineStep(new UnstructuredPruningStage(options) { Distillation = FineTuneDistillation(s, config) }, Schedule(s, fromScratch: false), config);
    }

    static PipelineStep BlockSparse(IBlockSparseOptions b, CompressSettings s)
    {
        var defaults = new BlockSparseOptions();
        var options = new BlockSparseOptions(
            b.Blocks ?? defaults.Blocks,
            b.LayerBlocks is null ? null : BlockSparseOptions.ParseLayerBlocks(b.LayerBlocks),
            b.PermutationSeed ?? defaults.Seed).Validated();
        var config = new JsonObject { ["blocks"] = options.Blocks, ["layer_blocks"] = b.LayerBlocks, ["permutation_seed"] = options.Seed };
        return new PipelineStep(new BlockSparseStage(options), Schedule(s, fromScratch: false), config);
    }

    static PipelineStep Unify(IUnifyOptions u, CompressSettings s)
    {
        var defaults = new UnificationOptions();
        var options = new UnificationOptions(
            u.BlockShape is null ? null : BlockShape.Parse(u.BlockShape),
            u.ZeroFraction ?? defaults.ZeroFraction,
            u.Rho ?? defaults.Rho,
            u.RhoGrowth ?? defaults.RhoGrowth,
            u.AdmmIterations ?? defaults.AdmmIterations,
            u.AdmmEpochs ?? defaults.AdmmEpochs).Validated();
        var config = new JsonObject
        {
            ["block_shape"] = options.EffectiveBlock.ToString(), ["zero_fraction"] = options.ZeroFraction, ["rho"] = options.Rho,
            ["rho_growth"] = options.RhoGrowth, ["admm_iterations"] = options.AdmmIterations, ["admm_epochs"] = options.AdmmEpochs,
        };
        return new PipelineStep(new UnificationStage(options), Schedule(s, fromScratch: false), config);
    }

    static PipelineStep KernelQuantize(IKernelQuantizeOptions k, CompressSettings s)
    {
        var defaults = new KernelQuantizationOptions();
        var options = new KernelQuantizationOptions(
            k.IndexBits ?? defaults.IndexBits,
            k.LayerIndexBits is null ? null : KernelQuantizationOptions.ParseLayerIndexBits(k.LayerIndexBits),
            k.CodebookBits ?? defaults.CodebookBits,
            k.KmeansIterations ?? defaults.Iterations,
            s.Seed).Validated();
        var config = new JsonObject
        {
            ["index_bits"] = options.IndexBits, ["layer_index_bits"] = k.LayerIndexBits, ["codebook_bits"] = options.CodebookBits,
            ["kmeans_iterations"] = options.Iterations,
        };
        return new PipelineStep(new KernelQuantizationStage(options), Schedule(s, fromScratch: false), config);
    }

    /// <summary>The fine-tuning's logit distillation of a pruning sub-command (--finetune-kd > 0), recorded in the step's
    /// <paramref name="config"/> (so a cached stage is only reused with the same α and T); null when there is none, and
    /// then the config is left as it was (earlier stages stay recognised).</summary>
    static DistillationOptions? FineTuneDistillation(CompressSettings s, JsonObject config)
    {
        if (s is not IFineTuneDistillationOptions { FineTuneKd: { } alpha } || alpha == 0) return null;
        if (!(alpha > 0 && alpha <= 1)) throw new UsageException($"--finetune-kd must be in [0, 1] (got {alpha}).");
        var options = new DistillationOptions("the network being fine-tuned", alpha, DistillationOptions.DefaultTemperature).Validated();
        config["kd_alpha"] = options.Alpha;
        config["temperature"] = options.Temperature;
        return options;
    }

    static PipelineStep Quantize(IQuantizeOptions q, CompressSettings s)
    {
        var options = new QuantizationOptions(Seed: s.Seed);
        if (q.Bits is { } bits) options = options with { Bits = bits };
        if (q.ActivationBits is { } activationBits) options = options with { ActivationBits = activationBits };
        if (q.CalibrationImages is { } images) options = options with { CalibrationImages = images };
        if (q.NoQat) options = options with { Qat = false };
        if (q.RangeMomentum is { } momentum) options = options with { RangeMomentum = momentum };
        options = options.Validated();
        if (!options.Qat && s is IFineTuneDistillationOptions { FineTuneKd: > 0 })
            throw new UsageException("--finetune-kd distils while fine-tuning, and --no-qat does not fine-tune; drop one of them.");
        var config = new JsonObject
        {
            ["bits"] = options.Bits, ["activation_bits"] = options.ActivationBits, ["calibration_images"] = options.CalibrationImages,
            ["qat"] = options.Qat, ["range_momentum"] = options.RangeMomentum,
        };
        return new PipelineStep(new QuantizationStage(options) { Distillation = FineTuneDistillation(s, config) }, Schedule(s, fromScratch: false), config);
    }
}
