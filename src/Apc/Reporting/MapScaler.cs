namespace Apc.Reporting;

/// <summary>Scales attribution maps for display. A pixel-level map (LRP, RAP, input × gradient) often has a few
/// pixels whose values are tens of times the rest; scaled by its single maximum, everything else rounds to the
/// colour of zero and the picture looks blank. So the full-colour value c is a high percentile (default 99.5th)
/// of the values (of |value| for signed maps), as Captum's visualize_image_attr and Zennit's heatmaps do, and the
/// few values beyond it are clipped. Non-finite values count as 0.</summary>
public static class MapScaler
{
    /// <summary>The <paramref name="percentile"/>-th percentile (0..100) of the finite values, interpolated
    /// linearly between the two nearest ranks (numpy's default: rank = p/100·(n−1)); NaN when none is finite.</summary>
    public static double Percentile(ReadOnlySpan<float> values, double percentile)
    {
        if (!(percentile is >= 0 and <= 100))
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "percentile must be in [0, 100].");
        var finite = new List<float>(values.Length);
        foreach (var v in values)
            if (float.IsFinite(v)) finite.Add(v);
        if (finite.Count == 0) return double.NaN;
        finite.Sort();
        double rank = percentile / 100 * (finite.Count - 1);
        int lower = (int)Math.Floor(rank), upper = Math.Min(lower + 1, finite.Count - 1);
        return finite[lower] + (rank - lower) * ((double)finite[upper] - finite[lower]);
    }

    /// <summary>Scales <paramref name="map"/> as <paramref name="scaling"/> says; <paramref name="percentile"/> is the
    /// clipping percentile of <see cref="MapScaling.Sequential"/> and <see cref="MapScaling.Symmetric"/>.</summary>
    public static ScaledMap Scale(ReadOnlySpan<float> map, MapScaling scaling, double percentile = 99.5) => scaling switch
    {
        MapScaling.MinMax => MinMax(map),
        MapScaling.Sequential => Sequential(map, percentile),
        MapScaling.Symmetric => Symmetric(map, percentile),
        _ => throw new ArgumentOutOfRangeException(nameof(scaling), scaling, "unknown map scaling."),
    };

    /// <summary>(v − min) / (max − min) over the finite values. Empty when there is no spread.</summary>
    public static ScaledMap MinMax(ReadOnlySpan<float> map)
    {
        var (normalised, argMax) = HeatmapOverlay.Normalise(map);
        double max = argMax >= 0 ? map[argMax] : 0;
        return new ScaledMap(normalised, max, argMax, argMax < 0);
    }

    /// <summary>clamp(v / c, 0, 1) with c = the percentile of max(v, 0); when that is 0 (a map that is zero almost
    /// everywhere), c = the maximum. Empty when no value is above 0.</summary>
    public static ScaledMap Sequential(ReadOnlySpan<float> map, double percentile = 99.5)
    {
        var positive = new float[map.Length];
        for (int i = 0; i < map.Length; i++)
            positive[i] = float.IsFinite(map[i]) ? Math.Max(map[i], 0f) : 0f;
        double clip = ClipValue(positive, percentile);
        int argMax = ArgMax(map);
        if (!(clip > 0))
            return new ScaledMap(new float[map.Length], 0, -1, true);
        var values = new float[map.Length];
        for (int i = 0; i < map.Length; i++)
            values[i] = (float)Math.Min(positive[i] / clip, 1.0);
        return new ScaledMap(values, clip, argMax, false);
    }

    /// <summary>clamp(v / c, −1, 1) with c = the percentile of |v|; when that is 0, c = max |v|. Zero stays zero
    /// (the middle of a diverging colour map). Empty when every value is 0. The maximum is marked only when it is
    /// above 0: in a map without positive values the largest is merely the least negative (often a border pixel),
    /// which would point at nothing.</summary>
    public static ScaledMap Symmetric(ReadOnlySpan<float> map, double percentile = 99.5)
    {
        var magnitude = new float[map.Length];
        for (int i = 0; i < map.Length; i++)
            magnitude[i] = float.IsFinite(map[i]) ? Math.Abs(map[i]) : 0f;
        double clip = ClipValue(magnitude, percentile);
        if (!(clip > 0))
            return new ScaledMap(new float[map.Length], 0, -1, true);
        var values = new float[map.Length];
        for (int i = 0; i < map.Length; i++)
            values[i] = float.IsFinite(map[i]) ? (float)Math.Clamp(map[i] / clip, -1.0, 1.0) : 0f;
        int argMax = ArgMax(map);
        return new ScaledMap(values, clip, argMax >= 0 && map[argMax] > 0 ? argMax : -1, false);
    }

    /// <summary>A Gaussian blur (standard deviation <paramref name="sigma"/> pixels, edges repeated) of an
    /// [H*W] map; for display only, so speckled pixel maps read as regions. Non-finite values count as 0.</summary>
    public static float[] Blur(ReadOnlySpan<float> map, int height, int width, double sigma)
    {
        if (map.Length != (long)height * width)
            throw new ArgumentException($"map has {map.Length} values, expected {height}x{width}.", nameof(map));
        var source = new float[map.Length];
        for (int i = 0; i < map.Length; i++) source[i] = float.IsFinite(map[i]) ? map[i] : 0f;
        if (!(sigma > 0)) return source;
        int radius = (int)Math.Ceiling(3 * sigma);
        var kernel = new double[2 * radius + 1];
        for (int k = -radius; k <= radius; k++) kernel[k + radius] = Math.Exp(-k * k / (2 * sigma * sigma));
        double total = kernel.Sum();
        for (int k = 0; k < kernel.Length; k++) kernel[k] /= total;
        var across = new float[map.Length];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                double sum = 0;
                for (int k = -radius; k <= radius; k++)
                    sum += kernel[k + radius] * source[y * width + Math.Clamp(x + k, 0, width - 1)];
                across[y * width + x] = (float)sum;
            }
        var result = new float[map.Length];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                double sum = 0;
                for (int k = -radius; k <= radius; k++)
                    sum += kernel[k + radius] * across[Math.Clamp(y + k, 0, height - 1) * width + x];
                result[y * width + x] = (float)sum;
            }
        return result;
    }

    private static double ClipValue(float[] nonNegative, double percentile)
    {
        double clip = Percentile(nonNegative, percentile);
        return clip > 0 ? clip : nonNegative.Length == 0 ? 0 : nonNegative.Max();
    }

    /// <summary>Index of the first largest finite value, −1 when none is finite.</summary>
    private static int ArgMax(ReadOnlySpan<float> map)
    {
        int argMax = -1;
        float max = float.NegativeInfinity;
        for (int i = 0; i < map.Length; i++)
            if (float.IsFinite(map[i]) && map[i] > max) { max = map[i]; argMax = i; }
        return argMax;
    }
}
