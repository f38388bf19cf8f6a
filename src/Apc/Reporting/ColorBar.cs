using System.Globalization;
using SkiaSharp;

namespace Apc.Reporting;

/// <summary>A vertical colour bar that says what the colours of a <see cref="HeatmapOverlay"/> mean: for symmetric
/// scaling −c (bottom) … 0 … +c (top), for sequential 0 … c, for min-max min … max. The bar has the picture's
/// height and a caption strip like the panels', so it lines up with them in a grid row.</summary>
public static class ColorBar
{
    /// <summary>Width in pixels of the coloured strip; the labels sit to its right.</summary>
    public const int StripWidth = 14;

    /// <summary>Labels from the bottom of the bar to the top. With <paramref name="clip"/> (the value shown at
    /// full colour) the labels are numbers; without (each panel has its own c, given in its caption) they are
    /// "−c", "0", "+c".</summary>
    public static IReadOnlyList<string> Labels(MapScaling scaling, double? clip = null)
    {
        string c = clip is { } value ? Format(value) : "c";
        return scaling switch
        {
            MapScaling.Symmetric => ["\u2212" + c, "0", "+" + c],
            MapScaling.Sequential => ["0", c],
            MapScaling.MinMax => clip is null ? ["min", "max"] : ["min", c],
            _ => throw new ArgumentOutOfRangeException(nameof(scaling), scaling, "unknown map scaling."),
        };
    }

    /// <summary>A value as bar labels and captions show it: three significant digits, U+2212 for minus.</summary>
    public static string Format(double value)
    {
        var text = value == 0 ? "0"
            : Math.Abs(value) is >= 1e-3 and < 1e3 ? value.ToString("G3", CultureInfo.InvariantCulture)
            : value.ToString("0.##e0", CultureInfo.InvariantCulture);
        return text.Replace('-', '\u2212');
    }

    /// <summary>The bar for <paramref name="style"/>, <paramref name="pictureHeight"/> pixels tall (the panels'
    /// picture height: source height × scale), with <paramref name="caption"/> under it as the panels have theirs.
    /// The caller owns the bitmap.</summary>
    public static SKBitmap Render(HeatmapStyle style, int pictureHeight, double? clip = null, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(style);
        style.Validate();
        if (pictureHeight is < 8 or > 10000)
            throw new ArgumentException($"colour bar height must be 8..10000 pixels, got {pictureHeight}.", nameof(pictureHeight));
        var labels = Labels(style.Scaling, clip);
        using var font = new LabelFont(style.CaptionFontSize, style.BuiltInFont);
        int labelWidth = (int)MathF.Ceiling(labels.Max(font.Measure));
        int width = StripWidth + 4 + labelWidth + 2, margin = font.LineHeight / 2;
        if (caption is not null)
            width = Math.Max(width, (int)MathF.Ceiling(caption.Split('\n').Max(font.Measure)) + 8);

        // The strip runs from value 0 (bottom) to 1 (top) of the colour map, between half-line margins so the
        // end labels can be centred on the strip's ends.
        var source = new byte[width * pictureHeight * 3];
        Array.Fill(source, (byte)255);
        int top = margin, bottom = pictureHeight - 1 - margin;
        for (int y = top; y <= bottom; y++)
        {
            float value = bottom == top ? 1f : (float)(bottom - y) / (bottom - top);
            var (r, g, b) = Colour(style, value);
            for (int x = 0; x < StripWidth; x++)
            {
                int at = 3 * (y * width + x);
                source[at] = r; source[at + 1] = g; source[at + 2] = b;
            }
        }
        var raster = Raster.FromSource(source, pictureHeight, width, 1);
        var bitmap = raster.ToBitmap(caption, style);
        using var canvas = new SKCanvas(bitmap);
        using var frame = new SKPaint { Color = Raster.TextColor, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        canvas.DrawRect(0.5f, top - 0.5f, StripWidth - 1, bottom - top + 2, frame); // just outside rows top..bottom
        for (int i = 0; i < labels.Count; i++)
        {
            float y = labels.Count == 1 ? bottom : bottom - (float)i / (labels.Count - 1) * (bottom - top);
            canvas.DrawLine(StripWidth, y, StripWidth + 3, y, frame);
            font.Draw(canvas, labels[i], StripWidth + 4, y - font.LineHeight / 2f, Raster.TextColor);
        }
        return bitmap;
    }

    /// <summary>The colour at <paramref name="value"/> (0 bottom … 1 top) of the bar, as the panels colour the value it
    /// stands for: signed maps through <see cref="Colormap.MapSigned"/> (−1 … 1), others through
    /// <see cref="Colormap.Map(float)"/>.</summary>
    private static (byte R, byte G, byte B) Colour(HeatmapStyle style, float value)
    {
        if (style.Scaling != MapScaling.Symmetric) return style.Colormap.Map(value);
        var rgb = style.Colormap.MapSigned([2 * value - 1]);
        return (rgb[0], rgb[1], rgb[2]);
    }

    /// <summary><see cref="Render"/>, encoded as PNG.</summary>
    public static byte[] RenderPng(HeatmapStyle style, int pictureHeight, double? clip = null, string? caption = null)
    {
        using var bitmap = Render(style, pictureHeight, clip, caption);
        return Png.Encode(bitmap);
    }
}
