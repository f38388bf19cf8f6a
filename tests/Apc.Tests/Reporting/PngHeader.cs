namespace Apc.Tests.Reporting;

/// <summary>Reads a PNG's size from its IHDR chunk without decoding it, so tests check the file itself.</summary>
internal static class PngHeader
{
    public static (int Width, int Height) Size(byte[] png)
    {
        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.True(png.Length > 24 && png.AsSpan(0, 8).SequenceEqual(signature), "not a PNG");
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        return (BigEndian(png, 16), BigEndian(png, 20));
    }

    private static int BigEndian(byte[] bytes, int at) =>
        bytes[at] << 24 | bytes[at + 1] << 16 | bytes[at + 2] << 8 | bytes[at + 3];
}
