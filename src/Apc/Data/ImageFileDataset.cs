using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Data;

/// <summary>One image file (JPEG or PNG) as a one-item data set for a given model input, preprocessed exactly as
/// the data sets preprocess theirs (<see cref="ImagePreprocessing"/>: resized to
/// size × size pixels, matched to the model's channel count, normalised). No labels
/// or masks.</summary>
public sealed class ImageFileDataset : IDataset
{
    readonly float[] unit;   // [C,S,S] in [0,1], before normalisation

    /// <summary>One image file as a data set of one item, resized to <paramref name="size"/> with <paramref name="channels"/> channels and normalised like the model's data.</summary>
    public ImageFileDataset(string path, int channels, int size, Normalization normalization, IReadOnlyList<string> classNames)
    {
        var decoded = DecodedImage.Load(path, "image", keepGrey: true);
        Name = path;
        ClassNames = classNames;
        Shape = new ImageShape(channels, size, size);
        Normalization = normalization;
        if (channels is not (1 or 3))
            throw new ApcException($"image '{path}': models with {channels} input channels are not supported for image files.");
        using var scope = NewDisposeScope();
        unit = ImagePreprocessing.Resized(decoded, channels, size).contiguous().data<float>().ToArray();
    }

    /// <summary>The file as the model <paramref name="info"/> reads it (its channels, size, normalisation and
    /// class names): what <c>apc explain --image</c> uses.</summary>
    public static ImageFileDataset ForModel(string path, Checkpoints.CheckpointInfo info) =>
        new(path, info.InChannels, info.ImageSize, info.Normalization, info.ClassNames);

    /// <inheritdoc/>
    public string Name { get; }
    /// <inheritdoc/>
    public int Count => 1;
    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames { get; }
    /// <inheritdoc/>
    public ImageShape Shape { get; }
    /// <inheritdoc/>
    public Normalization Normalization { get; }
    /// <inheritdoc/>
    public bool HasMasks => false;

    /// <inheritdoc/>
    public Batch GetBatch(IReadOnlyList<int> indices, bool augment, Random? rng = null)
    {
        if (indices.Any(i => i != 0)) throw new ArgumentOutOfRangeException(nameof(indices), "an image file data set has one item, index 0.");
        using var scope = NewDisposeScope();
        var x = tensor(unit, [1, Shape.Channels, Shape.Height, Shape.Width]);
        var images = ImagePreprocessing.Normalize(x, Normalization).expand(indices.Count, -1, -1, -1).contiguous();
        var labels = zeros(indices.Count, ClassNames.Count);
        return new Batch(images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), null, indices.ToArray());
    }

    /// <inheritdoc/>
    public byte[] GetDisplayImage(int index)
    {
        using var scope = NewDisposeScope();
        return ImagePreprocessing.ToDisplayBytes(tensor(unit, [Shape.Channels, Shape.Height, Shape.Width]));
    }
}
