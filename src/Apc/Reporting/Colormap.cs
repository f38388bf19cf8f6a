namespace Apc.Reporting;

/// <summary>Maps a value in [0,1] to an sRGB colour by linear interpolation between evenly spaced anchor
/// colours. The built-in sequential maps (viridis, inferno) are perceptual: their lightness rises steadily from 0
/// to 1, so a brighter colour always means a larger value, also when printed in grey or seen with colour-blindness.
/// The diverging map (blue–white–red) is for signed maps: 0.5 (white) means zero.</summary>
public sealed class Colormap
{
    private readonly byte[] _anchors; // r,g,b per anchor, anchors at 0, 1/(n-1), ..., 1

    /// <summary>A map named <paramref name="name"/> through <paramref name="anchors"/> (0xRRGGBB each, at least two),
    /// placed evenly on [0,1]. Throws <see cref="ArgumentException"/> for fewer than two anchors.</summary>
    public Colormap(string name, IReadOnlyList<int> anchors)
    {
        ArgumentNullException.ThrowIfNull(anchors);
        if (anchors.Count < 2)
            throw new ArgumentException($"colour map '{name}' needs at least two anchor colours, got {anchors.Count}.", nameof(anchors));
        Name = name;
        _anchors = new byte[anchors.Count * 3];
        for (int i = 0; i < anchors.Count; i++)
        {
            _anchors[3 * i] = (byte)(anchors[i] >> 16);
            _anchors[3 * i + 1] = (byte)(anchors[i] >> 8);
            _anchors[3 * i + 2] = (byte)anchors[i];
        }
    }

    /// <summary>Short name shown in legends and file metadata (for example "viridis", "bwr").</summary>
    public string Name { get; }

    /// <summary>Dark blue-violet through teal and green to yellow (the look of matplotlib's viridis), anchors
    /// taken every eighth of the way. Does not contain red or magenta, so those stay free for outlines.</summary>
    public static Colormap Viridis { get; } = new("viridis",
        [0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21918C, 0x28AE80, 0x5EC962, 0xADDC30, 0xFDE725]);

    /// <summary>Black through purple, red and orange to pale yellow (the look of matplotlib's inferno).</summary>
    public static Colormap Inferno { get; } = new("inferno",
        [0x000004, 0x1B0C41, 0x4A0C6B, 0x781C6D, 0xA52C60, 0xCF4446, 0xED6925, 0xFB9B06, 0xF7D13D, 0xFCFFA4]);

    /// <summary>Blue through white to red (Zennit's and matplotlib's bwr): for signed maps scaled symmetrically,
    /// so 0 is blue (−c), 0.5 white (zero) and 1 red (+c).</summary>
    public static Colormap BlueWhiteRed { get; } = new("bwr", [0x0000FF, 0xFFFFFF, 0xFF0000]);

    /// <summary>The colour of <paramref name="value"/>; values outside [0,1] are clamped, NaN counts as 0.</summary>
    public (byte R, byte G, byte B) Map(float value)
    {
        Span<byte> rgb = stackalloc byte[3];
        MapInto(value, rgb);
        return (rgb[0], rgb[1], rgb[2]);
    }

    /// <summary>Colours a whole map at once: the result holds r,g,b for each value, in order.</summary>
    public byte[] Map(ReadOnlySpan<float> values)
    {
        var rgb = new byte[values.Length * 3];
        for (int i = 0; i < values.Length; i++)
            MapInto(values[i], rgb.AsSpan(3 * i, 3));
        return rgb;
    }

    /// <summary>Colours signed values in [−1, 1] (clamped; NaN counts as 0) on a diverging map: 0 is the middle anchor,
    /// −1 the first, +1 the last. The colour is interpolated outward from the middle with the weight |v|, the same
    /// for v and −v, so a palette whose two halves mirror each other (bwr: red for blue) gives exactly mirrored
    /// colours to v and −v. A map with an even number of anchors has no middle anchor: it colours v as
    /// <see cref="Map(float)"/> colours 0.5 + v/2. The result holds r,g,b for each value, in order.</summary>
    public byte[] MapSigned(ReadOnlySpan<float> values)
    {
        int anchors = _anchors.Length / 3, middle = anchors / 2;
        var rgb = new byte[values.Length * 3];
        if (anchors % 2 == 0)
        {
            for (int i = 0; i < values.Length; i++)
                MapInto(0.5f + 0.5f * (float.IsNaN(values[i]) ? 0f : Math.Clamp(values[i], -1f, 1f)), rgb.AsSpan(3 * i, 3));
            return rgb;
        }
        for (int i = 0; i < values.Length; i++)
        {
            float v = float.IsNaN(values[i]) ? 0f : Math.Clamp(values[i], -1f, 1f);
            float position = Math.Abs(v) * middle;
            int step = Math.Min((int)position, middle - 1);
            float t = position - step;
            int direction = v < 0 ? -1 : 1;
            int from = middle + direction * step, to = from + direction;
            for (int c = 0; c < 3; c++)
            {
                float a = _anchors[3 * from + c], b = _anchors[3 * to + c];
                rgb[3 * i + c] = (byte)MathF.Round(a + (b - a) * t);
            }
        }
        return rgb;
    }

    private void MapInto(float value, Span<byte> rgb)
    {
        float v = float.IsNaN(value) ? 0f : Math.Clamp(value, 0f, 1f);
        int segments = _anchors.Length / 3 - 1;
        float position = v * segments;
        int lower = Math.Min((int)position, segments - 1);
        float t = position - lower;
        for (int c = 0; c < 3; c++)
        {
            float a = _anchors[3 * lower + c], b = _anchors[3 * (lower + 1) + c];
            rgb[c] = (byte)MathF.Round(a + (b - a) * t);
        }
    }
}
