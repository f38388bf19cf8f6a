namespace Apc.Compression.Quantization;

/// <summary>Settings of the quantize stage (see <see cref="QuantizationStage"/>).</summary>
/// <param name="Bits">Weight bits b (2..8): conv and linear weights take the integer levels −(2^(b−1)−1) … 2^(b−1)−1
/// times a per-output-channel scale (--bits).</param>
/// <param name="Qat">Quantization-aware training: fine-tune with fake-quantized weights and activations after the
/// post-training calibration (on by default; --no-qat turns it off: post-training quantization only, no training).</param>
/// <param name="CalibrationImages">Training images (a seeded random subset, no augmentation) whose activation
/// ranges set the activation quantizers before any training (--calibration-images).</param>
/// <param name="ActivationBits">Activation bits (2..8): ReLU and pool outputs take the levels 0 … 2^b−1 of a
/// per-tensor affine grid (--activation-bits).</param>
/// <param name="RangeMomentum">During quantization-aware training each activation range follows
/// range ← m·range + (1−m)·(batch range); the ranges stop moving when training ends (--range-momentum).</param>
/// <param name="Seed">Chooses the calibration images.</param>
public sealed record QuantizationOptions(
    int Bits = 8,
    bool Qat = true,
    int CalibrationImages = 256,
    int ActivationBits = 8,
    double RangeMomentum = 0.99,
    int Seed = 0)
{
    /// <summary>The fewest bits allowed.</summary>
    public const int MinBits = 2;
    /// <summary>The most bits allowed.</summary>
    public const int MaxBits = 8;

    /// <summary>Throws a one-line <see cref="UsageException"/> naming the first bad setting; returns the options.</summary>
    public QuantizationOptions Validated()
    {
        if (Bits < MinBits || Bits > MaxBits)
            throw new UsageException($"--bits must be between {MinBits} and {MaxBits} (got {Bits}).");
        if (ActivationBits < MinBits || ActivationBits > MaxBits)
            throw new UsageException($"--activation-bits must be between {MinBits} and {MaxBits} (got {ActivationBits}).");
        if (CalibrationImages < 1)
            throw new UsageException($"--calibration-images must be at least 1 image (got {CalibrationImages}).");
        if (!(RangeMomentum >= 0 && RangeMomentum < 1))
            throw new UsageException($"--range-momentum must be in [0, 1) (got {RangeMomentum}).");
        return this;
    }
}
