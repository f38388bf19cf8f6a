using SkiaSharp;

namespace Apc.Reporting;

/// <summary>Measures and draws one-line labels with a sans-serif system font, or with <see cref="PixelFont"/>
/// when the system has none (SkiaSharp's Linux build reads fonts from /usr/share/fonts; a bare container has
/// none, and text would silently vanish).</summary>
internal sealed class LabelFont : IDisposable
{
    private static readonly string[] PreferredFamilies = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica"];
    private static readonly Lazy<SKTypeface?> SystemTypeface = new(FindSystemTypeface);

    private readonly SKFont? _font;
    private readonly SKPaint _paint = new() { IsAntialias = true };
    private readonly int _pixelScale; // size of one PixelFont cell, in pixels

    public LabelFont(float size, bool builtIn)
    {
        var typeface = builtIn ? null : SystemTypeface.Value;
        if (typeface is not null)
        {
            _font = new SKFont(typeface, size) { Edging = SKFontEdging.Antialias, Subpixel = true };
            var metrics = _font.Metrics;
            Ascent = -metrics.Ascent;
            LineHeight = (int)MathF.Ceiling(metrics.Descent - metrics.Ascent) + 2;
        }
        else
        {
            _pixelScale = Math.Max(1, (int)MathF.Round(size / 8f));
            Ascent = PixelFont.GlyphHeight * _pixelScale;
            LineHeight = (PixelFont.GlyphHeight + 2) * _pixelScale;
        }
    }

    /// <summary>Family of the system font labels use, or null when there is none.</summary>
    public static string? SystemFamilyName => SystemTypeface.Value?.FamilyName;

    /// <summary>True when the system font is used, false for the built-in pixel font.</summary>
    public bool IsSystemFont => _font is not null;

    /// <summary>Pixels from one line's top to the next line's top.</summary>
    public int LineHeight { get; }

    /// <summary>Pixels from a line's top to its baseline.</summary>
    private float Ascent { get; }

    public float Measure(string text) =>
        _font is not null ? _font.MeasureText(text) : PixelFont.Width(text) * _pixelScale;

    /// <summary>The text, cut and ended with "..." when wider than <paramref name="maxWidth"/>.</summary>
    public string Fit(string text, float maxWidth)
    {
        if (Measure(text) <= maxWidth)
            return text;
        for (int keep = text.Length - 1; keep > 0; keep--)
        {
            var cut = text[..keep].TrimEnd() + "...";
            if (Measure(cut) <= maxWidth)
                return cut;
        }
        return Measure("...") <= maxWidth ? "..." : "";
    }

    /// <summary>Draws one line with its top-left corner at (x, top), vertically centred in LineHeight.</summary>
    public void Draw(SKCanvas canvas, string text, float x, float top, SKColor color)
    {
        _paint.Color = color;
        _paint.IsAntialias = _font is not null;
        if (_font is not null)
        {
            canvas.DrawText(text, x, top + 1 + Ascent, _font, _paint);
            return;
        }
        // Whole pixels, so the cells stay sharp.
        int s = _pixelScale;
        float glyphTop = MathF.Round(top) + s;
        x = MathF.Round(x);
        for (int i = 0; i < text.Length; i++)
        {
            var cells = PixelFont.Glyph(text[i]);
            float left = x + i * PixelFont.Advance * s;
            for (int row = 0; row < PixelFont.GlyphHeight; row++)
                for (int col = 0; col < PixelFont.GlyphWidth; col++)
                    if (cells[row * PixelFont.GlyphWidth + col])
                        canvas.DrawRect(left + col * s, glyphTop + row * s, s, s, _paint);
        }
    }

    public void Dispose()
    {
        _font?.Dispose();
        _paint.Dispose();
    }

    private static SKTypeface? FindSystemTypeface()
    {
        // The font manager answers any family name with its default face, so check the name it gave back.
        foreach (var family in PreferredFamilies)
        {
            var typeface = SKTypeface.FromFamilyName(family);
            if (typeface is not null && typeface.FamilyName == family && typeface.ContainsGlyph('A'))
                return typeface;
            // Not disposed: SkiaSharp may hand back its shared default face here.
        }
        var fallback = SKTypeface.Default;
        return fallback.ContainsGlyph('A') ? fallback : null;
    }
}
