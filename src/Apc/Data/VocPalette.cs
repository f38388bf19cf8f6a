namespace Apc.Data;

/// <summary>The standard PASCAL VOC colour map, by which SegmentationClass PNGs colour class indices. Index i's
/// colour spreads i's bits over the channels: bit 3j+0 goes to red, 3j+1 to green, 3j+2 to blue, each at bit
/// position 7-j. Class 1..20 are the classes, 0 is background, 255 (colour 224,224,192) is void.</summary>
internal static class VocPalette
{
    public const int Void = 255;

    public static (byte R, byte G, byte B) Colour(int index)
    {
        int r = 0, g = 0, b = 0;
        for (int j = 0, c = index; j < 8; j++, c >>= 3)
        {
            r |= (c & 1) << (7 - j);
            g |= (c >> 1 & 1) << (7 - j);
            b |= (c >> 2 & 1) << (7 - j);
        }
        return ((byte)r, (byte)g, (byte)b);
    }

    /// <summary>The colour of every index 0..255 packed as r&lt;&lt;16 | g&lt;&lt;8 | b.</summary>
    public static int[] Keys { get; } = Enumerable.Range(0, 256).Select(i => Key(Colour(i))).ToArray();

    public static int Key((byte R, byte G, byte B) c) => c.R << 16 | c.G << 8 | c.B;
}
