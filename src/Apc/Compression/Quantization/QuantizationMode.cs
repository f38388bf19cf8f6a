namespace Apc.Compression.Quantization;

/// <summary>What the activation quantizers do on a forward pass.</summary>
public enum QuantizationMode
{
    /// <summary>Record each tensor's full value range; values pass through unchanged (post-training calibration).</summary>
    Calibrating,
    /// <summary>Quantize with the current ranges; in training mode first move each range towards the batch's
    /// range (quantization-aware training). In evaluation mode the ranges do not move.</summary>
    Tracking,
    /// <summary>Quantize with fixed grids (the finished model).</summary>
    Frozen,
}
