using System.ComponentModel;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

/// <summary>The options of block-sparse compression, as <see cref="CompressStages"/> reads them (unset = the library's default).</summary>
public interface IBlockSparseOptions
{
    int? Blocks { get; }
    string? LayerBlocks { get; }
    int? PermutationSeed { get; }
}

/// <summary>apc compress block-sparse: block-diagonal conv weights in seeded permuted bases, fine-tuned masked, then
/// rebuilt as grouped convs between channel permutations.</summary>
public sealed class BlockSparseSettings : CompressSettings, IBlockSparseOptions
{
    public override string Method => "block-sparse";

    [CommandOption("--blocks <G>")]
    [Description(CompressHelp.Blocks + " Default 4.")]
    public int? Blocks { get; init; }

    [CommandOption("--layer-blocks <LIST>")]
    [Description(CompressHelp.LayerBlocks)]
    public string? LayerBlocks { get; init; }

    [CommandOption("--permutation-seed <N>")]
    [Description(CompressHelp.PermutationSeed + " Default 0.")]
    public int? PermutationSeed { get; init; }
}
