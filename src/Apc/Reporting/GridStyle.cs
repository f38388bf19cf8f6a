using SkiaSharp;

namespace Apc.Reporting;

/// <summary>Spacing and text settings of <see cref="ImageGrid"/>.</summary>
public sealed record GridStyle
{
    /// <summary>Optional title across the top of the grid.</summary>
    public string? Title { get; init; }

    /// <summary>Font size, in pixels, of row and column labels; the title is 1.3 times larger.</summary>
    public float FontSize { get; init; } = 14f;

    /// <summary>Pixels between neighbouring cells, and between labels and cells.</summary>
    public int Gap { get; init; } = 6;

    /// <summary>Pixels of background around the whole grid.</summary>
    public int Padding { get; init; } = 8;

    /// <summary>Row labels wider than this are cut and end in "...".</summary>
    public int MaxRowLabelWidth { get; init; } = 240;

    /// <summary>Colour behind the cells, labels and padding (white by default).</summary>
    public SKColor Background { get; init; } = SKColors.White;

    /// <summary>Draw text with apc's built-in pixel font instead of a system font (see
    /// <see cref="PictureStyle.BuiltInFont"/>).</summary>
    public bool BuiltInFont { get; init; }

    internal void Validate()
    {
        if (!(FontSize is >= 4f and <= 200f))
            throw new ArgumentException($"grid font size must be 4..200 pixels, got {FontSize}.");
        if (Gap is < 0 or > 1000 || Padding is < 0 or > 1000)
            throw new ArgumentException($"grid gap and padding must be 0..1000 pixels, got {Gap} and {Padding}.");
        if (MaxRowLabelWidth is < 1 or > 10000)
            throw new ArgumentException($"grid row-label width must be 1..10000 pixels, got {MaxRowLabelWidth}.");
    }
}
