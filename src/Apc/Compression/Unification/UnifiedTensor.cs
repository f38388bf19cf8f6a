using static TorchSharp.torch;

namespace Apc.Compression.Unification;

/// <summary>One weight tensor projected onto the unified set (<see cref="WeightUnification.Project"/>): the projected
/// <see cref="Value"/>, the signs it was projected with and which blocks kept a non-zero magnitude. With signs and zero
/// blocks fixed, <see cref="Apply"/> is the projection onto that structure, which fine-tuning applies after every
/// optimizer step. Owns its tensors, not <see cref="Grid"/>.</summary>
public sealed class UnifiedTensor : IDisposable
{
    /// <summary>Holds the given tensors (taken over, not copied).</summary>
    public UnifiedTensor(BlockGrid grid, Tensor value, Tensor signs, Tensor keep)
    {
        Grid = grid; Value = value; Signs = signs; Keep = keep;
    }

    /// <summary>The tensor's blocks.</summary>
    public BlockGrid Grid { get; }
    /// <summary>The projected tensor: s_i·m_k in block k, 0 in zero blocks.</summary>
    public Tensor Value { get; }
    /// <summary>s = sign(w) with sign(0) = +1, in the tensor's shape and dtype (±1).</summary>
    public Tensor Signs { get; }
    /// <summary>Per block (bool [blocks]): true = keeps a magnitude, false = unified to zero (pruned).</summary>
    public Tensor Keep { get; }

    /// <summary>Zero blocks.</summary>
    public long ZeroBlocks => Grid.Count - Keep.count_nonzero().item<long>();

    /// <summary>The pruning mask shaped like the tensor (true = the weight's block keeps a magnitude), as
    /// <see cref="Training.WeightMasks"/> holds masks. The caller owns it.</summary>
    public Tensor Mask() => Grid.Spread(Keep);

    /// <summary>Projects <paramref name="weight"/> in place onto this structure: signs and zero blocks fixed, each kept
    /// block's magnitude the least-squares m_k = mean_i s_i·w_i (the same argument as <see cref="WeightUnification.Project"/>
    /// with |w_i| replaced by s_i·w_i). The map is linear, so projecting after every SGD step is SGD (momentum and weight
    /// decay included) on the per-block magnitudes with rate lr/|block|. m_k may turn negative, which flips the block's
    /// signs together: the block still shares one magnitude |m_k|.</summary>
    public void Apply(Tensor weight)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var signs = Signs.device == weight.device ? Signs : Signs.to(weight.device);
        var m = Grid.BlockSum(signs * weight) / Grid.Counts.to(weight.dtype);
        m = m * Keep.to(weight.dtype);
        weight.copy_(signs * Grid.Spread(m));
    }

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        Value.Dispose();
        Signs.Dispose();
        Keep.Dispose();
    }
}
