using System.ComponentModel;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

/// <summary>The options of kernel quantization, as <see cref="CompressStages"/> reads them (unset = the library's default).</summary>
public interface IKernelQuantizeOptions
{
    int? IndexBits { get; }
    string? LayerIndexBits { get; }
    int? CodebookBits { get; }
    int? KmeansIterations { get; }
}

/// <summary>apc compress kernel-quantize: per-conv codebooks of k×k kernels (k-means), a low-bit index per kernel, the
/// codebook on a 6-bit grid, then fine-tuning of the codebooks.</summary>
public sealed class KernelQuantizeSettings : CompressSettings, IKernelQuantizeOptions
{
    public override string Method => "kernel-quantize";

    [CommandOption("--index-bits <B>")]
    [Description(CompressHelp.IndexBits + " Default 4 (16 kernels).")]
    public int? IndexBits { get; init; }

    [CommandOption("--layer-index-bits <LIST>")]
    [Description(CompressHelp.LayerIndexBits)]
    public string? LayerIndexBits { get; init; }

    [CommandOption("--codebook-bits <N>")]
    [Description(CompressHelp.CodebookBits + " Default 6.")]
    public int? CodebookBits { get; init; }

    [CommandOption("--kmeans-iterations <N>")]
    [Description(CompressHelp.KmeansIterations + " Default 30.")]
    public int? KmeansIterations { get; init; }
}
