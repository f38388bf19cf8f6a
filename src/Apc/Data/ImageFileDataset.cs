using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Data;

/// <summary>One image file (JPEG or PNG) as a one-item data set for a given model input: resized (bilinear) to
/// <paramref name="size"/>×<paramref name="size"/>, converted to the model's channel count (grey = mean of RGB),
/// normalised. No labels or masks.</summary>
public sealed class ImageFileDataset : IDataset
{
    readonly byte[] display;

    public ImageFileDataset(string path, int channels, int size, Normalization normalization, IReadOnlyList<string> classNames)
    {
        var decoded = DecodedImage.Load(path, "image");
        Name = path;
        ClassNames = classNames;
        Shape = new ImageShape(channels, size, size);
        Normalization = normalization;
        using var scope = NewDisposeScope();
        var rgba = tensor(decoded.Pixels, ScalarType.Byte).view(decoded.Height, decoded.Width, decoded.Channels)
            .permute(2, 0, 1).to_type(ScalarType.Float32);
        var rgb = decoded.Channels == 1 ? rgba : rgba[..3];
        var converted = channels switch
        {
            1 => rgb.mean(new long[] { 0 }, keepdim: true),
            3 when rgb.shape[0] == 1 => rgb.expand(3, -1, -1),
            3 => rgb,
            _ => throw new ApcException($"image {path}: models with {channels} input channels are not supported for image files."),
        };
        var resized = nn.functional.interpolate(converted.unsqueeze(0), new long[] { size, size }, mode: InterpolationMode.Bilinear, align_corners: false)
            .squeeze(0).clamp(0, 255);
        display = resized.round().to_type(ScalarType.Byte).contiguous().data<byte>().ToArray();
    }

    public string Name { get; }
    public int Count => 1;
    public IReadOnlyList<string> ClassNames { get; }
    public ImageShape Shape { get; }
    public Normalization Normalization { get; }
    public bool HasMasks => false;

    public Batch GetBatch(IReadOnlyList<int> indices, bool augment, Random? rng = null)
    {
        if (indices.Any(i => i != 0)) throw new ArgumentOutOfRangeException(nameof(indices), "an image file data set has one item, index 0.");
        using var scope = NewDisposeScope();
        var x = tensor(display, ScalarType.Byte).view(1, Shape.Channels, Shape.Height, Shape.Width).to_type(ScalarType.Float32) / 255f;
        var mean = tensor(Normalization.Mean).view(1, -1, 1, 1);
        var std = tensor(Normalization.Std).view(1, -1, 1, 1);
        var images = ((x - mean) / std).expand(indices.Count, -1, -1, -1).contiguous();
        var labels = zeros(indices.Count, ClassNames.Count);
        return new Batch(images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), null, indices.ToArray());
    }

    public byte[] GetDisplayImage(int index) => (byte[])display.Clone();
}
