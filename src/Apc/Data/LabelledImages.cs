namespace Apc.Data;

/// <summary>Grey-scale images with one class label each, as loaded from a pair of IDX files.
/// <see cref="Pixels"/> holds <see cref="Count"/> images of <see cref="Height"/> x <see cref="Width"/> bytes,
/// row-major, one after another.</summary>
public sealed class LabelledImages
{
    /// <summary>Grey images of <paramref name="height"/>×<paramref name="width"/> bytes, one after another, with one label byte each.</summary>
    public LabelledImages(byte[] pixels, byte[] labels, int height, int width)
    {
        if (pixels.Length != (long)labels.Length * height * width)
            throw new ArgumentException($"{pixels.Length} pixel bytes do not hold {labels.Length} images of {height}x{width}.");
        Pixels = pixels; Labels = labels; Height = height; Width = width;
    }

    /// <summary>All images' bytes, row-major, image after image.</summary>
    public byte[] Pixels { get; }
    /// <summary>One class index per image.</summary>
    public byte[] Labels { get; }
    /// <summary>Image height in pixels.</summary>
    public int Height { get; }
    /// <summary>Image width in pixels.</summary>
    public int Width { get; }
    /// <inheritdoc/>
    public int Count => Labels.Length;

    /// <summary>The pixels of image <paramref name="index"/>, row-major.</summary>
    public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * Height * Width, Height * Width);
}
