using Apc.Data;

namespace Apc.Attribution;

/// <summary>Settings of the attribution methods; each method reads the ones it needs.</summary>
public sealed record AttributionOptions
{
    /// <summary>CAM family: the layer whose activations are weighted; Excitation Backprop: the readout layer.
    /// A name or alias (conv5_3, relu5_3, pool5, layer4). Null: gradcam, gradcam++ and excitation-backprop use the
    /// model's attribution layer (ReLU after the last conv), wcam the model's matching layer.</summary>
    public string? Layer { get; init; }

    /// <summary>Integrated gradients: number of points on the path (midpoint Riemann sum).</summary>
    public int Steps { get; init; } = 50;

    /// <summary>Integrated gradients: the baseline image; occlusion: the value of an occluded patch; RISE: the value of
    /// masked pixels. Every element this value, in normalised input units (0 is the data set's mean colour).</summary>
    public double Baseline { get; init; }

    /// <summary>Integrated gradients and SmoothGrad: at most this many images per forward pass (at least one
    /// step or noise sample of the whole batch is always taken together). Occlusion and RISE: at most this many
    /// perturbed images per forward pass, which bounds their memory.</summary>
    public int InternalBatchSize { get; init; } = 64;

    /// <summary>SmoothGrad: number of noisy copies.</summary>
    public int Samples { get; init; } = 25;

    /// <summary>SmoothGrad: noise standard deviation as a fraction of each image's value range (max − min).</summary>
    public double NoiseLevel { get; init; } = 0.15;

    /// <summary>SmoothGrad: seed of the noise; RISE: seed of the masks. The same seed gives the same maps.</summary>
    public long Seed { get; init; }

    /// <summary>Occlusion: side of the square patch, in pixels.</summary>
    public int PatchSize { get; init; } = 8;

    /// <summary>Occlusion: step between patch positions, in pixels (the last position is aligned to the image edge so
    /// that every pixel is covered).</summary>
    public int PatchStride { get; init; } = 4;

    /// <summary>RISE: number of random masks.</summary>
    public int Masks { get; init; } = 500;

    /// <summary>RISE: side of a mask cell in pixels (the random binary grid has ⌈H/cell⌉ cells a side).</summary>
    public int CellSize { get; init; } = 8;

    /// <summary>RISE: probability that a cell is kept (not masked).</summary>
    public double KeepProbability { get; init; } = 0.5;

    /// <summary>LRP and RAP: how the images were normalised, for the z^B bounds of the first layer
    /// ((0 − mean)/std, (1 − mean)/std per channel). Null: images are raw pixels in [0, 1].</summary>
    public Normalization? Normalization { get; init; }

    /// <summary>LRP: the rule for layers after the first.</summary>
    public LrpVariant LrpRule { get; init; } = LrpVariant.Alpha1Beta0;

    /// <summary>LRP-ε: the stabiliser ε (absolute, in activation units).</summary>
    public double Epsilon { get; init; } = 0.25;

    /// <summary>Excitation Backprop: contrastive variant (target minus dual unit, clamped at 0).</summary>
    public bool Contrastive { get; init; }

    /// <summary>Throws a one-line <see cref="UsageException"/> naming the first bad value.</summary>
    public AttributionOptions Validated()
    {
        if (Steps < 1) throw new UsageException($"attribution option steps must be at least 1 (got {Steps}).");
        if (Samples < 1) throw new UsageException($"attribution option samples must be at least 1 (got {Samples}).");
        if (InternalBatchSize < 1) throw new UsageException($"attribution option internal batch size must be at least 1 (got {InternalBatchSize}).");
        if (!(NoiseLevel >= 0) || double.IsInfinity(NoiseLevel)) throw new UsageException($"attribution option noise level must be a non-negative number (got {NoiseLevel}).");
        if (!(Epsilon >= 0) || double.IsInfinity(Epsilon)) throw new UsageException($"attribution option epsilon must be a non-negative number (got {Epsilon}).");
        if (double.IsNaN(Baseline) || double.IsInfinity(Baseline)) throw new UsageException($"attribution option baseline must be a finite number (got {Baseline}).");
        if (PatchSize < 1) throw new UsageException($"attribution option patch size must be at least 1 pixel (got {PatchSize}).");
        if (PatchStride < 1) throw new UsageException($"attribution option patch stride must be at least 1 pixel (got {PatchStride}).");
        if (PatchStride > PatchSize)
            throw new UsageException($"occlusion stride {PatchStride} px is larger than the patch ({PatchSize} px): pixels between patches would be covered by none and get no value; use a stride of at most the patch size.");
        if (Masks < 1) throw new UsageException($"attribution option masks must be at least 1 (got {Masks}).");
        if (CellSize < 1) throw new UsageException($"attribution option cell size must be at least 1 pixel (got {CellSize}).");
        if (!(KeepProbability > 0 && KeepProbability <= 1)) throw new UsageException($"attribution option keep probability must be in (0, 1] (got {KeepProbability}).");
        if (Layer is not null && string.IsNullOrWhiteSpace(Layer)) throw new UsageException("attribution option layer is empty.");
        if (Normalization is { } n && (n.Mean.Length != n.Std.Length || n.Mean.Length == 0 || n.Std.Any(s => !(s > 0))))
            throw new UsageException("attribution option normalisation needs one mean and one positive std per channel.");
        return this;
    }
}
