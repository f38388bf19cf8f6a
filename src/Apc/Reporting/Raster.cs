using SkiaSharp;

namespace Apc.Reporting;

/// <summary>An RGB picture being drawn at Scale× its source size: the nearest-neighbour enlargement of an
/// image, overlays written straight into the pixels (so tests can read back exact colours), then a caption
/// strip added when it becomes a bitmap.</summary>
internal sealed class Raster
{
    private readonly byte[] _rgb; // output resolution, r,g,b per pixel, row-major

    private Raster(int sourceHeight, int sourceWidth, int scale)
    {
        SourceHeight = sourceHeight;
        SourceWidth = sourceWidth;
        Scale = scale;
        _rgb = new byte[checked(Width * Height * 3)];
    }

    public int SourceHeight { get; }
    public int SourceWidth { get; }
    public int Scale { get; }
    public int Width => SourceWidth * Scale;
    public int Height => SourceHeight * Scale;

    /// <summary>Checks a [C,H,W] byte image (C = 1 grey or 3 RGB) and returns it as r,g,b per pixel.</summary>
    public static byte[] ToRgb(byte[] image, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (channels is not (1 or 3))
            throw new ArgumentException($"image must have 1 (grey) or 3 (RGB) channels, got {channels}.", nameof(channels));
        if (height < 1 || width < 1)
            throw new ArgumentException($"image size must be positive, got {height}x{width}.");
        long pixels = (long)height * width;
        if (image.Length != channels * pixels)
            throw new ArgumentException(
                $"image has {image.Length} bytes, expected {channels}x{height}x{width} = {channels * pixels}.", nameof(image));
        var rgb = new byte[pixels * 3];
        for (long i = 0; i < pixels; i++)
            for (int c = 0; c < 3; c++)
                rgb[3 * i + c] = image[(channels == 1 ? 0 : c) * pixels + i];
        return rgb;
    }

    /// <summary>Checks that a per-pixel array (map or mask) has H*W entries.</summary>
    public static void CheckPlane(float[] plane, int height, int width, string what)
    {
        ArgumentNullException.ThrowIfNull(plane, what);
        if (plane.Length != (long)height * width)
            throw new ArgumentException($"{what} has {plane.Length} values, expected {height}x{width} = {(long)height * width}.", what);
    }

    /// <summary>A raster showing <paramref name="sourceRgb"/> (r,g,b per source pixel) enlarged Scale×.</summary>
    public static Raster FromSource(byte[] sourceRgb, int height, int width, int scale)
    {
        var raster = new Raster(height, width, scale);
        for (int y = 0; y < raster.Height; y++)
        {
            int sourceRow = y / scale * width;
            for (int x = 0; x < raster.Width; x++)
            {
                int from = 3 * (sourceRow + x / scale), to = 3 * (y * raster.Width + x);
                raster._rgb[to] = sourceRgb[from];
                raster._rgb[to + 1] = sourceRgb[from + 1];
                raster._rgb[to + 2] = sourceRgb[from + 2];
            }
        }
        return raster;
    }

    public void Set(int x, int y, SKColor color)
    {
        if (x < 0 || y < 0 || x >= Width || y >= Height)
            return;
        int at = 3 * (y * Width + x);
        _rgb[at] = color.Red;
        _rgb[at + 1] = color.Green;
        _rgb[at + 2] = color.Blue;
    }

    /// <summary>Outlines the mask (values above 0.5). Outline pixels are mask pixels with a 4-neighbour
    /// outside the mask; the image border counts as outside, so a shape touching it is still closed. Each
    /// outline pixel's block is coloured only along its sides that face the outside, in a line
    /// max(1, Scale/4) wide, so the line sits on the boundary and covers little of the picture.</summary>
    public void DrawMaskOutline(float[] mask, SKColor color)
    {
        int width = SourceWidth, height = SourceHeight, s = Scale, line = Math.Max(1, s / 4);
        bool Inside(int x, int y) => x >= 0 && y >= 0 && x < width && y < height && mask[y * width + x] > 0.5f;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                if (!Inside(x, y))
                    continue;
                int left = x * s, top = y * s;
                if (!Inside(x - 1, y)) FillBlockPart(left, top, line, s, color);
                if (!Inside(x + 1, y)) FillBlockPart(left + s - line, top, line, s, color);
                if (!Inside(x, y - 1)) FillBlockPart(left, top, s, line, color);
                if (!Inside(x, y + 1)) FillBlockPart(left, top + s - line, s, line, color);
            }
    }

    /// <summary>A cross centred on source pixel (x, y), with a one-pixel rim in <paramref name="rim"/> so it
    /// stands out on any background. Arms reach max(3, 2·Scale) pixels from the centre.</summary>
    public void DrawMarker(int sourceX, int sourceY, SKColor core, SKColor rim)
    {
        int cx = sourceX * Scale + Scale / 2, cy = sourceY * Scale + Scale / 2;
        int arm = Math.Max(3, 2 * Scale), halfWidth = Scale >= 3 ? 1 : 0;
        bool InCore(int dx, int dy) =>
            (Math.Abs(dx) <= halfWidth && Math.Abs(dy) <= arm) || (Math.Abs(dy) <= halfWidth && Math.Abs(dx) <= arm);
        bool NextToCore(int dx, int dy)
        {
            for (int ny = -1; ny <= 1; ny++)
                for (int nx = -1; nx <= 1; nx++)
                    if (InCore(dx + nx, dy + ny))
                        return true;
            return false;
        }
        for (int dy = -arm - 1; dy <= arm + 1; dy++)
            for (int dx = -arm - 1; dx <= arm + 1; dx++)
            {
                if (InCore(dx, dy))
                    Set(cx + dx, cy + dy, core);
                else if (NextToCore(dx, dy))
                    Set(cx + dx, cy + dy, rim);
            }
    }

    /// <summary>Moves every pixel <paramref name="amount"/> of the way toward white (0 = unchanged).</summary>
    public void Fade(float amount)
    {
        if (!(amount > 0)) return;
        for (int i = 0; i < _rgb.Length; i++)
            _rgb[i] = (byte)MathF.Round(_rgb[i] + (255 - _rgb[i]) * amount);
    }

    /// <summary>Blends each output pixel toward <paramref name="colorRgb"/> (r,g,b per source pixel) with
    /// weight alpha[source pixel].</summary>
    public void Blend(byte[] colorRgb, float[] alpha)
    {
        for (int y = 0; y < Height; y++)
        {
            int sourceRow = y / Scale * SourceWidth;
            for (int x = 0; x < Width; x++)
            {
                int source = sourceRow + x / Scale, at = 3 * (y * Width + x);
                float a = alpha[source];
                for (int c = 0; c < 3; c++)
                    _rgb[at + c] = (byte)MathF.Round(_rgb[at + c] * (1 - a) + colorRgb[3 * source + c] * a);
            }
        }
    }

    /// <summary>The picture as an opaque bitmap, with the caption (lines split on '\n') centred in a white strip
    /// below it, and <paramref name="notice"/> (lines split on '\n') in a white box across the picture's middle
    /// when given. The caller owns the bitmap.</summary>
    public SKBitmap ToBitmap(string? caption, PictureStyle style, string? notice = null)
    {
        var lines = string.IsNullOrEmpty(caption) ? [] : caption.Split('\n');
        using var font = lines.Length > 0 ? new LabelFont(style.CaptionFontSize, style.BuiltInFont) : null;
        int padding = 4, stripHeight = font is null ? 0 : lines.Length * font.LineHeight + 2 * padding;
        var bitmap = new SKBitmap(new SKImageInfo(Width, Height + stripHeight, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var pixels = bitmap.GetPixelSpan();
        int rowBytes = bitmap.RowBytes;
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                int from = 3 * (y * Width + x), to = y * rowBytes + 4 * x;
                pixels[to] = _rgb[from];
                pixels[to + 1] = _rgb[from + 1];
                pixels[to + 2] = _rgb[from + 2];
                pixels[to + 3] = 255;
            }
        if (font is not null)
        {
            using var canvas = new SKCanvas(bitmap);
            using var white = new SKPaint { Color = SKColors.White };
            canvas.DrawRect(0, Height, Width, stripHeight, white);
            for (int i = 0; i < lines.Length; i++)
            {
                var text = font.Fit(lines[i], Width - 2 * padding);
                float x = (Width - font.Measure(text)) / 2;
                font.Draw(canvas, text, x, Height + padding + i * font.LineHeight, TextColor);
            }
        }
        if (!string.IsNullOrEmpty(notice))
            DrawNotice(bitmap, notice.Split('\n'), style);
        return bitmap;
    }

    /// <summary>Text in a white box with a thin frame, centred on the picture (not the caption strip).</summary>
    private void DrawNotice(SKBitmap bitmap, string[] lines, PictureStyle style)
    {
        using var font = new LabelFont(style.CaptionFontSize, style.BuiltInFont);
        int padding = 4;
        var fitted = lines.Select(l => font.Fit(l, Width - 4 * padding)).ToArray();
        float textWidth = fitted.Max(font.Measure);
        float boxWidth = Math.Min(Width, textWidth + 2 * padding), boxHeight = Math.Min(Height, fitted.Length * font.LineHeight + 2 * padding);
        float left = (Width - boxWidth) / 2, top = (Height - boxHeight) / 2;
        using var canvas = new SKCanvas(bitmap);
        using var white = new SKPaint { Color = SKColors.White };
        using var frame = new SKPaint { Color = TextColor, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        canvas.DrawRect(left, top, boxWidth, boxHeight, white);
        canvas.DrawRect(left + 0.5f, top + 0.5f, boxWidth - 1, boxHeight - 1, frame);
        for (int i = 0; i < fitted.Length; i++)
            font.Draw(canvas, fitted[i], (Width - font.Measure(fitted[i])) / 2, top + padding + i * font.LineHeight, TextColor);
    }

    internal static readonly SKColor TextColor = new(0x22, 0x22, 0x22);

    private void FillBlockPart(int left, int top, int width, int height, SKColor color)
    {
        for (int y = top; y < top + height; y++)
            for (int x = left; x < left + width; x++)
                Set(x, y, color);
    }
}
