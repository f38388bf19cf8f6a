using Apc.Evaluation.Statistics;
using static TorchSharp.torch;

namespace Apc.Models;

/// <summary>The block structure of one block-sparse conv (MPDCompress, docs/compression.md): read the input channels in
/// the order <paramref name="InputOrder"/> and the output channels in the order <paramref name="OutputOrder"/>, and the
/// weight is block-diagonal with <paramref name="Blocks"/> blocks. So the conv equals a channel gather, a grouped conv
/// (groups = blocks) and a channel scatter. The orders are drawn from the spec's block seed by a fixed generator, so
/// the architecture spec alone rebuilds them (a checkpoint reloads exactly).</summary>
/// <param name="Blocks">G, the number of diagonal blocks (the grouped conv's groups).</param>
/// <param name="InputOrder">Position q of the gathered input holds input channel InputOrder[q].</param>
/// <param name="OutputOrder">Output position p of the grouped conv is output channel OutputOrder[p].</param>
public sealed record BlockLayout(int Blocks, int[] InputOrder, int[] OutputOrder)
{
    /// <summary>The layout of conv number <paramref name="conv"/> (0-based, network order) for permutation seed
    /// <paramref name="seed"/>; <paramref name="name"/> names the conv in the <see cref="UsageException"/> thrown when
    /// <paramref name="blocks"/> does not divide both channel counts.</summary>
    public static BlockLayout Create(int blocks, int seed, int conv, int inChannels, int outChannels, string name)
    {
        if (blocks < 1 || inChannels % blocks != 0 || outChannels % blocks != 0)
            throw new UsageException($"{name}: {blocks} blocks must divide its {inChannels} input and {outChannels} output channels.");
        return new BlockLayout(blocks, Permutation(seed, conv, 0, inChannels), Permutation(seed, conv, 1, outChannels));
    }

    /// <summary>The layout of conv number <paramref name="conv"/> of a network of <paramref name="arch"/>, or null for a
    /// dense conv (no blocks in the spec, or 1 block for this conv).</summary>
    public static BlockLayout? Of(ArchSpec arch, int conv, int inChannels, int outChannels, string name)
    {
        int blocks = arch.Blocks?[conv] ?? 1;
        return blocks == 1 ? null : Create(blocks, arch.BlockSeed, conv, inChannels, outChannels, name);
    }

    /// <summary>A uniform permutation of 0..n−1 (Fisher–Yates) from a generator fixed by (seed, conv, side).</summary>
    static int[] Permutation(int seed, int conv, int side, int n)
    {
        var random = new SplitMix64(((ulong)(uint)seed << 32) ^ ((ulong)(uint)conv << 1) ^ (ulong)side);
        var order = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>The inverse permutation: Inverse(order)[order[p]] = p.</summary>
    public static int[] Inverse(IReadOnlyList<int> order)
    {
        var inverse = new int[order.Count];
        for (int p = 0; p < order.Count; p++) inverse[order[p]] = p;
        return inverse;
    }

    /// <summary>The dense weight's mask (bool, shaped like <paramref name="weightShape"/> [out,in,kh,kw], true = kept):
    /// weight [o,c] is kept when o and c fall in the same block of the permuted basis.</summary>
    public Tensor Mask(long[] weightShape)
    {
        using var scope = NewDisposeScope();
        long outChannels = weightShape[0], inChannels = weightShape[1];
        var outBlock = arange(outChannels).div(outChannels / Blocks, rounding_mode: RoundingMode.floor).index_select(0, Index(Inverse(OutputOrder)));
        var inBlock = arange(inChannels).div(inChannels / Blocks, rounding_mode: RoundingMode.floor).index_select(0, Index(Inverse(InputOrder)));
        var mask = outBlock.unsqueeze(1).eq(inBlock.unsqueeze(0)); // [out,in]
        return mask.view(outChannels, inChannels, 1, 1).expand(weightShape).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>The grouped conv's weight [out, in/G, kh, kw] from a dense one [out, in, kh, kw]: the diagonal blocks of
    /// the dense weight in the permuted basis (what lies off them is dropped, so mask the dense weight first).</summary>
    public Tensor Grouped(Tensor dense)
    {
        using var scope = NewDisposeScope();
        long outPer = dense.shape[0] / Blocks, inPer = dense.shape[1] / Blocks;
        var permuted = dense.index_select(0, Index(OutputOrder, dense.device)).index_select(1, Index(InputOrder, dense.device));
        var blocks = Enumerable.Range(0, Blocks).Select(g => permuted.narrow(0, g * outPer, outPer).narrow(1, g * inPer, inPer));
        return cat(blocks.ToArray(), 0).MoveToOuterDisposeScope();
    }

    /// <summary>A per-output-channel tensor (bias, batch-norm parameters and statistics) in the grouped conv's output order.</summary>
    public Tensor PermuteOutputs(Tensor perChannel) => perChannel.index_select(0, Index(OutputOrder, perChannel.device));

    static Tensor Index(IReadOnlyList<int> order, Device? device = null) => tensor(order.Select(i => (long)i).ToArray(), device: device);
}
