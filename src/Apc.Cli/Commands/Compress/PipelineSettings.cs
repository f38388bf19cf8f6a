using System.ComponentModel;
using System.Reflection;
using Apc.Compression;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

/// <summary>apc compress pipeline: several methods in order (--stages), each starting from the previous one's network.
/// It takes the options of every method; an option of a method that is not among --stages is a usage error. An option
/// two methods share (--rounds, --calibration-images) applies to every stage that has it.</summary>
public sealed class PipelineSettings : CompressSettings, IKdOptions, IStructuredOptions, IUnstructuredOptions, IBlockSparseOptions, IUnifyOptions, IQuantizeOptions,
    IKernelQuantizeOptions
{
    public const string DefaultStages = "structured,kd,quantize";

    public override string Method => CompressStages.Pipeline;

    public override IReadOnlyList<string> Methods => CompressStages.ParseStages(Stages);

    [CommandOption("--stages <LIST>")]
    [Description("Methods in order, e.g. structured,kd,quantize; each takes the options below that belong to it.")]
    [DefaultValue(DefaultStages)]
    public string Stages { get; init; } = DefaultStages;

    [CommandOption("--student <SPEC>")]
    [Description("(kd) " + CompressHelp.Student + " Default " + DistillationOptions.DefaultStudent + " (a kd after the first stage distils into the previous stage's network).")]
    public string? Student { get; init; }

    [CommandOption("--kd-alpha <ALPHA>")]
    [Description("(kd) " + CompressHelp.KdAlpha + " Default 0.9.")]
    public double? KdAlpha { get; init; }

    [CommandOption("--temperature <T>")]
    [Description("(kd) " + CompressHelp.Temperature + " Default 4.")]
    public double? Temperature { get; init; }

    [CommandOption("--ratio <P>")]
    [Description("(structured) " + CompressHelp.Ratio)]
    public double? Ratio { get; init; }

    [CommandOption("--criterion <NAME>")]
    [Description("(structured) " + CompressHelp.Criterion + " Default l1.")]
    public string? Criterion { get; init; }

    [CommandOption("--preset <NAME>")]
    [Description("(structured) " + CompressHelp.Preset)]
    public string? Preset { get; init; }

    [CommandOption("--layer-ratios <LIST>")]
    [Description("(structured) " + CompressHelp.LayerRatios)]
    public string? LayerRatios { get; init; }

    [CommandOption("--calibration-images <N>")]
    [Description("(structured, quantize) structured: " + CompressHelp.StructuredCalibrationImages + " quantize: " + CompressHelp.QuantizeCalibrationImages + " Default: structured 128, quantize 256.")]
    public int? CalibrationImages { get; init; }

    [CommandOption("--rounds <N>")]
    [Description("(structured, unstructured) Prune-and-fine-tune rounds. Default: structured 1 (one-shot), unstructured 3.")]
    public int? Rounds { get; init; }

    [CommandOption("--rate <P>")]
    [Description("(unstructured) " + CompressHelp.Rate + " Default 0.2.")]
    public double? Rate { get; init; }

    [CommandOption("--include-linear")]
    [Description("(unstructured) " + CompressHelp.IncludeLinear)]
    public bool IncludeLinear { get; init; }

    [CommandOption("--blocks <G>")]
    [Description("(block-sparse) " + CompressHelp.Blocks + " Default 4.")]
    public int? Blocks { get; init; }

    [CommandOption("--layer-blocks <LIST>")]
    [Description("(block-sparse) " + CompressHelp.LayerBlocks)]
    public string? LayerBlocks { get; init; }

    [CommandOption("--permutation-seed <N>")]
    [Description("(block-sparse) " + CompressHelp.PermutationSeed + " Default 0.")]
    public int? PermutationSeed { get; init; }

    [CommandOption("--block-shape <RxS>")]
    [Description("(unify) " + CompressHelp.BlockShape + " Default 1x4.")]
    public string? BlockShape { get; init; }

    [CommandOption("--zero-fraction <Z>")]
    [Description("(unify) " + CompressHelp.ZeroFraction + " Default 0.5.")]
    public double? ZeroFraction { get; init; }

    [CommandOption("--rho <RHO>")]
    [Description("(unify) " + CompressHelp.Rho + " Default 0.5.")]
    public double? Rho { get; init; }

    [CommandOption("--rho-growth <G>")]
    [Description("(unify) " + CompressHelp.RhoGrowth + " Default 2.")]
    public double? RhoGrowth { get; init; }

    [CommandOption("--admm-iterations <N>")]
    [Description("(unify) " + CompressHelp.AdmmIterations + " Default 3.")]
    public int? AdmmIterations { get; init; }

    [CommandOption("--admm-epochs <N>")]
    [Description("(unify) " + CompressHelp.AdmmEpochs + " Default 1.")]
    public int? AdmmEpochs { get; init; }

    [CommandOption("--bits <N>")]
    [Description("(quantize) " + CompressHelp.Bits + " Default 8.")]
    public int? Bits { get; init; }

    [CommandOption("--activation-bits <N>")]
    [Description("(quantize) " + CompressHelp.ActivationBits + " Default 8.")]
    public int? ActivationBits { get; init; }

    [CommandOption("--no-qat")]
    [Description("(quantize) " + CompressHelp.NoQat)]
    public bool NoQat { get; init; }

    [CommandOption("--range-momentum <M>")]
    [Description("(quantize) " + CompressHelp.RangeMomentum + " Default 0.99.")]
    public double? RangeMomentum { get; init; }

    [CommandOption("--index-bits <B>")]
    [Description("(kernel-quantize) " + CompressHelp.IndexBits + " Default 4.")]
    public int? IndexBits { get; init; }

    [CommandOption("--layer-index-bits <LIST>")]
    [Description("(kernel-quantize) " + CompressHelp.LayerIndexBits)]
    public string? LayerIndexBits { get; init; }

    [CommandOption("--codebook-bits <N>")]
    [Description("(kernel-quantize) " + CompressHelp.CodebookBits + " Default 6.")]
    public int? CodebookBits { get; init; }

    [CommandOption("--kmeans-iterations <N>")]
    [Description("(kernel-quantize) " + CompressHelp.KmeansIterations + " Default 30.")]
    public int? KmeansIterations { get; init; }

    /// <summary>The method interfaces and the methods they belong to: which stage reads which option follows from the types.</summary>
    static readonly (Type Options, string Method)[] Owners =
    {
        (typeof(IKdOptions), "kd"), (typeof(IStructuredOptions), "structured"),
        (typeof(IUnstructuredOptions), "unstructured"), (typeof(IBlockSparseOptions), "block-sparse"), (typeof(IQuantizeOptions), "quantize"),
        (typeof(IUnifyOptions), "unify"),
        (typeof(IKernelQuantizeOptions), "kernel-quantize"),
    };

    /// <summary>Refuses a method option that no stage of --stages reads (it would be silently unused).</summary>
    public void CheckOptionsApply()
    {
        var stages = Methods;
        foreach (var property in typeof(PipelineSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        {
            if (property.GetCustomAttribute<CommandOptionAttribute>() is not { } option || property.Name == nameof(Stages)) continue;
            var value = property.GetValue(this);
            if (value is null or false) continue;
            var owners = Owners.Where(o => o.Options.GetProperty(property.Name) is not null).Select(o => o.Method).ToList();
            if (!owners.Any(stages.Contains))
                throw new UsageException($"--{option.LongNames[0]} is an option of {string.Join(" and ", owners)}, which --stages {string.Join(',', stages)} does not include.");
        }
    }
}
