namespace Apc.Data;

/// <summary>Grey-scale images with one class label each, as loaded from a pair of IDX files.
/// <see cref="Pixels"/> holds <see cref="Count"/> images of <see cref="Height"/> x <see cref="Width"/> bytes,
/// row-major, one after another.</summary>
public sealed class LabelledImages
{
    public LabelledImages(byte[] pixels, byte[] labels, int height, int width)
    {
        if (pixels.Length != (long)labels.Length * height * width)
            throw new ArgumentException($"{pixels.Length} pixel bytes do not hold {labels.Length} images of {height}x{width}.");
        Pixels = pixels; Labels = labels; Height = height; Width = width;
    }

    public byte[] Pixels { get; }
    public byte[] Labels { get; }
    public int Height { get; }
    public int Width { get; }
    public int Count => Labels.Length;

    /// <summary>The pixels of image <paramref name="index"/>, row-major.</summary>
    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * Height * Width, Height * Width);
}
