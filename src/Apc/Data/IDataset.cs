using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Data;

/// <summary>One split of a multi-label image data set (train, val or test).</summary>
public interface IDataset
{
    /// <summary>Short description, e.g. "fashion-scenes/val" or "voc:/data/VOC2012/val".</summary>
    string Name { get; }
    /// <summary>The number of items.</summary>
    int Count { get; }
    /// <summary>The class names, in label order.</summary>
    IReadOnlyList<string> ClassNames { get; }
    /// <summary>Channels, height and width of the tensors <see cref="GetBatch(IReadOnlyList{int}, bool, Random?)"/> returns.</summary>
    ImageShape Shape { get; }
    /// <summary>The normalisation applied to the images of a batch.</summary>
    Normalization Normalization { get; }
    /// <summary>True when the split carries per-class localisation masks.</summary>
    bool HasMasks { get; }

    /// <summary>Builds a batch of the given items on the CPU. When <paramref name="augment"/> is true, the
    /// training augmentation is applied, drawn from <paramref name="rng"/> (deterministic for a seed).</summary>
    Batch GetBatch(IReadOnlyList<int> indices, bool augment, Random? rng = null);

    /// <summary>As <see cref="GetBatch(IReadOnlyList{int}, bool, Random?)"/>; with <paramref name="withMasks"/> false
    /// the batch carries no masks, which saves time and memory where they are not used (training). Data sets that
    /// can skip building masks override this; augmentation draws stay the same either way.</summary>
    Batch GetBatch(IReadOnlyList<int> indices, bool augment, Random? rng, bool withMasks)
    {
        var batch = GetBatch(indices, augment, rng);
        if (withMasks || batch.Masks is null) return batch;
        batch.Masks.Dispose();
        return new Batch(batch.Images, batch.Labels, null, batch.Indices);
    }

    /// <summary>The un-normalised image of one item as bytes in [0,255], layout [C,H,W], for pictures.</summary>
    byte[] GetDisplayImage(int index);
}

/// <summary>The shape of one image.</summary>
/// <param name="Channels">C.</param>
/// <param name="Height">H, in pixels.</param>
/// <param name="Width">W, in pixels.</param>
public sealed record ImageShape(int Channels, int Height, int Width)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Channels}x{Height}x{Width}";
}

/// <summary>Per-channel normalisation applied to images: (x - mean) / std, with x in [0,1].</summary>
public sealed record Normalization(float[] Mean, float[] Std)
{
    /// <summary>Mean 0 and std 1 for each of <paramref name="channels"/> channels (images stay in [0,1]).</summary>
    public static Normalization Identity(int channels) =>
        new(Enumerable.Repeat(0f, channels).ToArray(), Enumerable.Repeat(1f, channels).ToArray());
}

/// <summary>A batch. Images: float32 [B,C,H,W], normalised. Labels: float32 multi-hot [B,K].
/// Masks (when the data set has them): float32 [B,K,H,W], 1 where a pixel belongs to class k, else 0
/// (void/boundary pixels are 0 for every class). Owns its tensors.</summary>
public sealed class Batch : IDisposable
{
    /// <summary>A batch owning <paramref name="images"/>, <paramref name="labels"/> and <paramref name="masks"/>, of the items <paramref name="indices"/>.</summary>
    public Batch(Tensor images, Tensor labels, Tensor? masks, int[] indices)
    {
        Images = images; Labels = labels; Masks = masks; Indices = indices;
    }
    /// <summary>float32 [B,C,H,W], normalised.</summary>
    public Tensor Images { get; }
    /// <summary>float32 multi-hot [B,K].</summary>
    public Tensor Labels { get; }
    /// <summary>float32 [B,K,H,W] or null.</summary>
    public Tensor? Masks { get; }
    /// <summary>The data-set indices of the items.</summary>
    public int[] Indices { get; }
    /// <summary>B, the number of items.</summary>
    public int Size => Indices.Length;

    /// <summary>Detaches the tensors from any dispose scope so that the batch can cross threads.</summary>
    public Batch DetachFromDisposeScope()
    {
        Images.DetachFromDisposeScope(); Labels.DetachFromDisposeScope(); Masks?.DetachFromDisposeScope();
        return this;
    }

    /// <summary>Releases the tensors (or taps) this object holds; safe to call twice.</summary>
    public void Dispose() { Images.Dispose(); Labels.Dispose(); Masks?.Dispose(); }
}
