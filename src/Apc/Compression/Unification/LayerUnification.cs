namespace Apc.Compression.Unification;

/// <summary>The unification of one weight tensor as measured from its values (<see cref="WeightUnification.Measure(string, TorchSharp.torch.Tensor, BlockGrid)"/>).</summary>
/// <param name="Name">Parameter name (features.0.weight).</param>
/// <param name="Block">The block shape measured with.</param>
/// <param name="Weights">Elements of the tensor.</param>
/// <param name="Blocks">Blocks of the tensor.</param>
/// <param name="UnifiedBlocks">Blocks whose weights share one magnitude exactly (zero blocks included).</param>
/// <param name="ZeroBlocks">Blocks unified to zero: micro-structured pruning.</param>
/// <param name="ZeroWeights">Weights exactly zero (those of zero blocks, and any other).</param>
/// <param name="WeightsInZeroBlocks">Weights of the zero blocks.</param>
public sealed record LayerUnification(string Name, BlockShape Block, long Weights, long Blocks, long UnifiedBlocks, long ZeroBlocks,
    long ZeroWeights, long WeightsInZeroBlocks)
{
    /// <summary>Bits to store the tensor unified: one zero flag per block, and for every non-zero block one magnitude
    /// (<see cref="WeightUnification.MagnitudeBits"/>) and one sign bit per weight:
    /// Blocks + (Blocks − ZeroBlocks)·32 + (Weights − WeightsInZeroBlocks). Meaningful when every block is unified.</summary>
    public long Bits => Blocks + (Blocks - ZeroBlocks) * WeightUnification.MagnitudeBits + (Weights - WeightsInZeroBlocks);
}
