using SkiaSharp;

namespace Apc.Reporting;

/// <summary>Draws an attribution map over its input image: the map is min-max normalised to [0,1], coloured
/// with a perceptual colour map and blended over the image; its largest value is marked with a cross, and a
/// mask (for example the object's segmentation) can be outlined on top.</summary>
public static class HeatmapOverlay
{
    /// <summary>Renders <paramref name="map"/> ([H*W], any real values; NaN and infinities count as the
    /// smallest) over a [C,H,W] byte image (C = 1 grey or 3 RGB, values 0..255). <paramref name="mask"/>
    /// ([H*W], values above 0.5 are inside) is outlined when given. The caller owns the bitmap.</summary>
    public static SKBitmap Render(byte[] image, int channels, int height, int width, float[] map,
        HeatmapStyle? style = null, float[]? mask = null, string? caption = null)
    {
        style ??= new HeatmapStyle();
        style.Validate();
        var rgb = Raster.ToRgb(image, channels, height, width);
        Raster.CheckPlane(map, height, width, nameof(map));
        if (mask is not null)
            Raster.CheckPlane(mask, height, width, nameof(mask));

        var (normalised, argMax) = Normalise(map);
        var alpha = new float[normalised.Length];
        for (int i = 0; i < alpha.Length; i++)
            alpha[i] = style.OpacityFollowsValue ? style.Opacity * normalised[i] : style.Opacity;

        var raster = Raster.FromSource(rgb, height, width, style.Scale);
        raster.Blend(style.Colormap.Map(normalised), alpha);
        if (mask is not null)
            raster.DrawMaskOutline(mask, style.MaskOutlineColor);
        if (style.MarkMaximum && argMax >= 0)
            raster.DrawMarker(argMax % width, argMax / width, style.MarkerColor, style.MarkerRimColor);
        return raster.ToBitmap(caption, style);
    }

    /// <summary><see cref="Render"/>, encoded as PNG.</summary>
    public static byte[] RenderPng(byte[] image, int channels, int height, int width, float[] map,
        HeatmapStyle? style = null, float[]? mask = null, string? caption = null)
    {
        using var bitmap = Render(image, channels, height, width, map, style, mask, caption);
        return Png.Encode(bitmap);
    }

    /// <summary>(v - min) / (max - min) over the finite values, non-finite values as 0, and the index of the
    /// first largest value; a map without spread gives all zeros and index -1 (there is no maximum to mark).</summary>
    public static (float[] Normalised, int ArgMax) Normalise(ReadOnlySpan<float> map)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        int argMax = -1;
        for (int i = 0; i < map.Length; i++)
        {
            float v = map[i];
            if (!float.IsFinite(v))
                continue;
            if (v < min) min = v;
            if (v > max) { max = v; argMax = i; }
        }
        var normalised = new float[map.Length];
        // Subtract in double: max - min of two large floats of opposite sign can overflow float.
        double range = (double)max - min;
        if (argMax < 0 || !(range > 0))
            return (normalised, -1);
        for (int i = 0; i < map.Length; i++)
            normalised[i] = float.IsFinite(map[i]) ? (float)((map[i] - (double)min) / range) : 0f;
        return (normalised, argMax);
    }
}
