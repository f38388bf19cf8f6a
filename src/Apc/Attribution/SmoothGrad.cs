using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Attribution;

/// <summary>SmoothGrad (Smilkov et al. 2017): the gradient averaged over <see cref="AttributionOptions.Samples"/> noisy
/// copies x + N(0, σ²), σ = <see cref="AttributionOptions.NoiseLevel"/>·(max x − min x) per image; map = max over channels
/// of |mean gradient| (as <see cref="Saliency"/>). The noise patterns come from a generator seeded with
/// <see cref="AttributionOptions.Seed"/> and are shared by all images of a batch (scaled by each image's σ), so a
/// batched call equals per-sample calls and repeated calls are identical; the global random state is untouched.</summary>
public sealed class SmoothGrad(AttributionOptions options) : IAttributionMethod
{
    /// <summary>The validated options this method reads.</summary>
    public AttributionOptions Options { get; } = options.Validated();

    /// <inheritdoc/>
    public string Name => "smoothgrad";

    /// <inheritdoc/>
    public MapKind Kind => MapKind.PixelNonNegative;

    /// <inheritdoc/>
    public Tensor Attribute(ClassifierNet model, Tensor inputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var classes = AttributionChecks.Targets(model, inputs, targets);
        var x = inputs.detach();
        long batch = x.shape[0];
        int samples = Options.Samples;
        // Drawn on the CPU so the same seed gives the same noise on every device.
        using var generator = new Generator(unchecked((ulong)Options.Seed));
        var patterns = randn(new long[] { samples, x.shape[1], x.shape[2], x.shape[3] }, dtype: x.dtype, generator: generator).to(x.device);
        var flat = x.reshape(batch, -1);
        var sigma = ((flat.amax(new long[] { 1 }) - flat.amin(new long[] { 1 })) * Options.NoiseLevel).reshape(1, batch, 1, 1, 1);
        var total = InputGradients.SumOverPoints(model, x, classes, samples, Options.InternalBatchSize, (first, count) =>
            (x.unsqueeze(0) + patterns.narrow(0, first, count).unsqueeze(1) * sigma).reshape(-1, x.shape[1], x.shape[2], x.shape[3]));
        return (total / samples).abs().amax(new long[] { 1 }).MoveToOuterDisposeScope();
    }
}
