using SkiaSharp;

namespace Apc.Reporting;

/// <summary>How <see cref="ImageRender"/> and <see cref="HeatmapOverlay"/> draw a picture: enlargement, mask
/// outline colour, caption text.</summary>
public record PictureStyle
{
    /// <summary>Each source pixel becomes a Scale×Scale block (nearest neighbour, so no pixel is invented):
    /// 4 makes a 64-pixel image 256 pixels wide.</summary>
    public int Scale { get; init; } = 4;

    /// <summary>Colour of the mask outline; magenta appears in neither the colour maps nor grey images.</summary>
    public SKColor MaskOutlineColor { get; init; } = new(255, 0, 255);

    /// <summary>Font size, in pixels, of the caption strip under the picture.</summary>
    public float CaptionFontSize { get; init; } = 13f;

    /// <summary>Draw text with apc's built-in pixel font instead of a system font. It is used anyway when the
    /// system has no usable font; asking for it gives the same pixels on every machine.</summary>
    public bool BuiltInFont { get; init; }

    internal virtual void Validate()
    {
        if (Scale is < 1 or > 32)
            throw new ArgumentException($"picture scale must be 1..32, got {Scale}.");
        if (!(CaptionFontSize is >= 4f and <= 200f))
            throw new ArgumentException($"caption font size must be 4..200 pixels, got {CaptionFontSize}.");
    }
}
