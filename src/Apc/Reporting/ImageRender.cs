using SkiaSharp;

namespace Apc.Reporting;

/// <summary>Draws an image as it is, enlarged, optionally with a mask outline and a caption: the "input"
/// column beside attribution overlays.</summary>
public static class ImageRender
{
    /// <summary>Renders a [C,H,W] byte image (C = 1 grey or 3 RGB, values 0..255). <paramref name="mask"/>
    /// ([H*W], values above 0.5 are inside) is outlined when given. The caller owns the bitmap.</summary>
    public static SKBitmap Render(byte[] image, int channels, int height, int width,
        PictureStyle? style = null, float[]? mask = null, string? caption = null)
    {
        style ??= new PictureStyle();
        style.Validate();
        var rgb = Raster.ToRgb(image, channels, height, width);
        if (mask is not null)
            Raster.CheckPlane(mask, height, width, nameof(mask));
        var raster = Raster.FromSource(rgb, height, width, style.Scale);
        if (mask is not null)
            raster.DrawMaskOutline(mask, style.MaskOutlineColor);
        return raster.ToBitmap(caption, style);
    }

    /// <summary><see cref="Render"/>, encoded as PNG.</summary>
    public static byte[] RenderPng(byte[] image, int channels, int height, int width,
        PictureStyle? style = null, float[]? mask = null, string? caption = null)
    {
        using var bitmap = Render(image, channels, height, width, style, mask, caption);
        return Png.Encode(bitmap);
    }
}
