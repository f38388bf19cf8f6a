using SkiaSharp;

namespace Apc.Reporting;

/// <summary>Draws an attribution map over its input image: the map is scaled as the style says
/// (<see cref="MapScaler"/>: min-max, sequential 0 … c or symmetric −c … 0 … +c with c a high percentile),
/// coloured and blended over the image; its largest value is marked with a cross, and a mask (for example the
/// object's segmentation) can be outlined on top. A map with nothing to show is not left as a bare image: the
/// picture says why in words (<c>emptyText</c>, by default "all zero").</summary>
public static class HeatmapOverlay
{
    /// <summary>Renders <paramref name="map"/> ([H*W], any real values; NaN and infinities count as the
    /// smallest, or as 0 for percentile scaling) over a [C,H,W] byte image (C = 1 grey or 3 RGB, values 0..255).
    /// <paramref name="mask"/> ([H*W], values above 0.5 are inside) is outlined when given. When the map is empty
    /// (<see cref="ScaledMap.IsEmpty"/>), <paramref name="emptyText"/> (lines split on '\n'; default
    /// <see cref="EmptyReason"/>, "" for none) is written across the picture. The caller owns the bitmap.</summary>
    public static SKBitmap Render(byte[] image, int channels, int height, int width, float[] map,
        HeatmapStyle? style = null, float[]? mask = null, string? caption = null, string? emptyText = null)
    {
        style ??= new HeatmapStyle();
        style.Validate();
        var rgb = Raster.ToRgb(image, channels, height, width);
        var scaled = Scale(map, height, width, style);
        if (mask is not null)
            Raster.CheckPlane(mask, height, width, nameof(mask));

        var raster = Raster.FromSource(rgb, height, width, style.Scale);
        raster.Fade(style.ImageFade);
        var (colours, alpha) = Colours(scaled, style);
        raster.Blend(colours, alpha);
        if (mask is not null)
            raster.DrawMaskOutline(mask, style.MaskOutlineColor);
        if (style.MarkMaximum && scaled.ArgMax >= 0 && !scaled.IsEmpty)
            raster.DrawMarker(scaled.ArgMax % width, scaled.ArgMax / width, style.MarkerColor, style.MarkerRimColor);
        return raster.ToBitmap(caption, style, scaled.IsEmpty ? emptyText ?? EmptyReason(map, style.Scaling) : null);
    }

    /// <summary><see cref="Render"/>, encoded as PNG.</summary>
    public static byte[] RenderPng(byte[] image, int channels, int height, int width, float[] map,
        HeatmapStyle? style = null, float[]? mask = null, string? caption = null, string? emptyText = null)
    {
        using var bitmap = Render(image, channels, height, width, map, style, mask, caption, emptyText);
        return Png.Encode(bitmap);
    }

    /// <summary>The map as <see cref="Render"/> scales it for <paramref name="style"/>: what a caption or colour bar
    /// should say about it. The clipping value and the maximum are the unblurred map's; the blur, when the style
    /// asks for one, smooths the already clipped values (blurring first would spread one extreme pixel over its
    /// neighbours and raise the percentile with it).</summary>
    public static ScaledMap Scale(float[] map, int height, int width, HeatmapStyle? style = null)
    {
        style ??= new HeatmapStyle();
        Raster.CheckPlane(map, height, width, nameof(map));
        var scaled = MapScaler.Scale(map, style.Scaling, style.ClipPercentile);
        if (style.Scaling == MapScaling.MinMax || !(style.BlurSigma > 0) || scaled.IsEmpty)
            return scaled;
        return scaled with { Values = MapScaler.Blur(scaled.Values, height, width, style.BlurSigma) };
    }

    /// <summary>Why a map that scales to nothing has nothing to show, in a few words.</summary>
    public static string EmptyReason(ReadOnlySpan<float> map, MapScaling scaling)
    {
        bool anyFinite = false, anyNonZero = false, anyPositive = false;
        foreach (var v in map)
        {
            if (!float.IsFinite(v)) continue;
            anyFinite = true;
            anyNonZero |= v != 0;
            anyPositive |= v > 0;
        }
        if (!anyFinite) return "no finite values";
        if (!anyNonZero) return "all zero";
        return scaling == MapScaling.Sequential && !anyPositive ? "no positive values" : "constant";
    }

    /// <summary>Colour (r,g,b per value) and blending weight of each scaled value.</summary>
    internal static (byte[] Rgb, float[] Alpha) Colours(ScaledMap scaled, HeatmapStyle style)
    {
        var values = scaled.Values;
        bool symmetric = style.Scaling == MapScaling.Symmetric;
        var alpha = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i], strength = symmetric ? Math.Abs(v) : v;
            alpha[i] = scaled.IsEmpty ? 0f : style.OpacityFollowsValue ? style.Opacity * strength : style.Opacity;
        }
        // Signed values are coloured outward from the map's middle, so v and −v get mirrored colours exactly.
        return (symmetric ? style.Colormap.MapSigned(values) : style.Colormap.Map(values), alpha);
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
