using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Attribution;

/// <summary>Occlusion (Zeiler &amp; Fergus 2014): a square patch of <see cref="AttributionOptions.PatchSize"/> pixels,
/// set to <see cref="AttributionOptions.Baseline"/> in every channel, slides over the image with
/// <see cref="AttributionOptions.PatchStride"/>; each pixel's value is the mean, over the patch positions that cover it,
/// of z_c(x) − z_c(x with the patch occluded), the drop of the target logit. Positive: the pixels support the class.
/// Positions run 0, s, 2s, … and a last one aligned to the far edge, so every pixel is covered.</summary>
public sealed class Occlusion(AttributionOptions options) : IPerturbationMethod
{
    /// <summary>The validated options this method reads.</summary>
    public AttributionOptions Options { get; } = options.Validated();
    /// <inheritdoc/>
    public string Name => "occlusion";
    /// <inheritdoc/>
    public MapKind Kind => MapKind.PixelSigned;

    /// <summary>Top-left corners along one side of length <paramref name="size"/>.</summary>
    public static IReadOnlyList<int> Positions(int size, int patch, int stride)
    {
        if (patch > size) throw new UsageException($"occlusion patch size {patch} is larger than the image ({size} px).");
        var positions = new List<int>();
        for (int p = 0; p + patch <= size; p += stride) positions.Add(p);
        if (positions[^1] + patch < size) positions.Add(size - patch);
        return positions;
    }

    /// <inheritdoc/>
    public Tensor Attribute(IImageClassifier model, Tensor inputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var classes = AttributionChecks.Targets(model, inputs, targets).cpu();
        var x = inputs.detach().to(float32).cpu();
        int batch = (int)x.shape[0], height = (int)x.shape[2], width = (int)x.shape[3], patch = Options.PatchSize;
        var windows = (from y in Positions(height, patch, Options.PatchStride) from w in Positions(width, patch, Options.PatchStride) select (y, w)).ToArray();
        var reference = model.Logits(x).gather(1, classes.unsqueeze(1)).squeeze(1).data<float>().ToArray();
        var sums = zeros(batch, height, width);
        var counts = zeros(height, width);
        foreach (var (y, w) in windows) counts[TensorIndex.Slice(y, y + patch), TensorIndex.Slice(w, w + patch)].add_(1);

        // One perturbed image per (sample, window), evaluated in chunks.
        long total = (long)batch * windows.Length;
        for (long start = 0; start < total; start += Options.InternalBatchSize)
        {
            using var chunkScope = NewDisposeScope();
            int count = (int)Math.Min(Options.InternalBatchSize, total - start);
            var samples = arange(start, start + count, dtype: ScalarType.Int64).div(windows.Length, rounding_mode: RoundingMode.floor);
            var perturbed = x.index_select(0, samples);
            for (int i = 0; i < count; i++)
            {
                var (y, w) = windows[(int)((start + i) % windows.Length)];
                perturbed[i, TensorIndex.Colon, TensorIndex.Slice(y, y + patch), TensorIndex.Slice(w, w + patch)].fill_(Options.Baseline);
            }
            var scores = model.Logits(perturbed).gather(1, classes.index_select(0, samples).unsqueeze(1)).squeeze(1).data<float>().ToArray();
            for (int i = 0; i < count; i++)
            {
                int b = (int)((start + i) / windows.Length);
                var (y, w) = windows[(int)((start + i) % windows.Length)];
                sums[b, TensorIndex.Slice(y, y + patch), TensorIndex.Slice(w, w + patch)].add_(reference[b] - scores[i]);
            }
        }
        return sums.div(counts).MoveToOuterDisposeScope();
    }
}
