using Apc.Compression.BlockSparse;
using Apc.Models;
using Apc.Training;

namespace Apc.Tests.Attribution;

/// <summary>The two forms of a block-sparse test network, made as the block-sparse stage makes them.</summary>
internal static class BlockSparseNets
{
    /// <summary>Masks <paramref name="dense"/> in place to its permuted block diagonals (every conv but the first in
    /// <paramref name="blocks"/> blocks, permutation seed <paramref name="seed"/>) and returns its grouped form (eval
    /// mode), which the caller owns.</summary>
    public static ClassifierNet MaskAndGroup(ClassifierNet dense, int blocks = 4, int seed = 7)
    {
        var spec = dense.Arch with { Blocks = new BlockSparseOptions(Blocks: blocks, Seed: seed).LayerBlocks(dense), BlockSeed = seed };
        var masks = BlockSurgery.Masks(dense, spec);
        WeightMasks.Apply(dense, masks);
        foreach (var m in masks.Values) m.Dispose();
        var grouped = BlockSurgery.Apply(dense, spec);
        grouped.eval();
        return grouped;
    }
}
