using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Attribution;

/// <summary>RISE, randomized input sampling for explanation (Petsiuk et al. 2018): N random masks M_i, each a binary
/// grid of cells of <see cref="AttributionOptions.CellSize"/> pixels kept with probability p, upsampled bilinearly to
/// (cells + 1)·cell pixels and cropped at a random shift below one cell; the map is Σ_i σ(z_c(x ⊙ M_i + b(1 − M_i)))·M_i
/// / (N·p), with b the baseline and σ the logistic function (the class probability of a multi-label model; RISE's
/// paper uses the softmax probability of a single-label one). Seeded: the same seed gives the same masks, and every
/// sample of a call sees the same masks.</summary>
public sealed class Rise(AttributionOptions options) : IPerturbationMethod
{
    /// <summary>The validated options this method reads.</summary>
    public AttributionOptions Options { get; } = options.Validated();
    /// <inheritdoc/>
    public string Name => "rise";
    /// <inheritdoc/>
    public MapKind Kind => MapKind.PixelNonNegative;

    /// <summary>Masks [count,H,W] in [0,1], continuing the sequence drawn by <paramref name="random"/>.</summary>
    public static Tensor Masks(Random random, int count, int height, int width, int cell, double keep)
    {
        using var scope = NewDisposeScope();
        int rows = (height + cell - 1) / cell, columns = (width + cell - 1) / cell;
        var masks = new List<Tensor>(count);
        for (int i = 0; i < count; i++)
        {
            var cells = new float[rows * columns];
            for (int j = 0; j < cells.Length; j++) cells[j] = random.NextDouble() < keep ? 1f : 0f;
            int dy = random.Next(cell), dx = random.Next(cell);
            var grid = tensor(cells, new long[] { 1, 1, rows, columns });
            var up = nn.functional.interpolate(grid, new long[] { (rows + 1) * cell, (columns + 1) * cell }, mode: InterpolationMode.Bilinear, align_corners: false);
            masks.Add(up[0, 0, TensorIndex.Slice(dy, dy + height), TensorIndex.Slice(dx, dx + width)]);
        }
        return stack(masks).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    public Tensor Attribute(IImageClassifier model, Tensor inputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var classes = AttributionChecks.Targets(model, inputs, targets).cpu();
        var x = inputs.detach().to(float32).cpu();
        long batch = x.shape[0], channels = x.shape[1], height = x.shape[2], width = x.shape[3];
        int budget = Options.InternalBatchSize;
        int masksPerChunk = (int)Math.Max(1, budget / batch), imagesPerChunk = (int)Math.Min(batch, budget);
        var random = new Random(unchecked((int)(Options.Seed ^ (Options.Seed >> 32))));
        var saliency = zeros(batch, height * width);
        for (int start = 0; start < Options.Masks; start += masksPerChunk)
        {
            using var chunkScope = NewDisposeScope();
            int m = Math.Min(masksPerChunk, Options.Masks - start);
            var masks = Masks(random, m, (int)height, (int)width, Options.CellSize, Options.KeepProbability); // [m,H,W]
            var keep = masks.unsqueeze(1); // [m,1,H,W]
            for (long first = 0; first < batch; first += imagesPerChunk)
            {
                long n = Math.Min(imagesPerChunk, batch - first);
                var images = x[TensorIndex.Slice(first, first + n)].unsqueeze(1); // [n,1,C,H,W]
                var perturbed = (images * keep + (1 - keep) * Options.Baseline).reshape(n * m, channels, height, width);
                var target = classes[TensorIndex.Slice(first, first + n)].repeat_interleave(m);
                var scores = model.Logits(perturbed).gather(1, target.unsqueeze(1)).sigmoid().reshape(n, m);
                saliency[TensorIndex.Slice(first, first + n)].add_(scores.matmul(masks.reshape(m, height * width)));
            }
        }
        return saliency.div(Options.Masks * Options.KeepProbability).reshape(batch, height, width).MoveToOuterDisposeScope();
    }
}
