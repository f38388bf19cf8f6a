namespace Apc.Compression.Quantization;

/// <summary>Storage estimates of a quantized network, in bytes, as an integer runtime would hold it (the checkpoint
/// itself also stores the float values of the quantized weights, so that every tool can read it).</summary>
/// <param name="QuantizedWeights">Number of conv and linear weights on the integer grid.</param>
/// <param name="Int8Bytes">One byte per quantized weight, plus float32 per-channel weight scales, float32 biases and
/// batch-norm tensors, and 5 bytes (float32 scale, uint8 zero point) per activation grid.</param>
/// <param name="PackedBytes">As <paramref name="Int8Bytes"/> with the weights packed at their bit width
/// (⌈b·n/8⌉ bytes per tensor); equal to it for 8 bits.</param>
/// <param name="FloatBytes">The float32 network: every floating-point parameter and buffer at its own size.</param>
public sealed record QuantizedSize(long QuantizedWeights, long Int8Bytes, long PackedBytes, long FloatBytes)
{
    /// <summary>Float bytes over integer bytes (NaN when there are none).</summary>
    public double CompressionRatio => Int8Bytes == 0 ? double.NaN : (double)FloatBytes / Int8Bytes;
}
