using SkiaSharp;

namespace Apc.Reporting;

/// <summary>PNG encoding and decoding for the reporting types.</summary>
internal static class Png
{
    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static byte[] Encode(SKBitmap bitmap)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException($"SkiaSharp could not encode a {bitmap.Width}x{bitmap.Height} bitmap as PNG.");
        return data.ToArray();
    }

    public static bool HasSignature(ReadOnlySpan<byte> bytes) => bytes.Length > 24 && bytes[..8].SequenceEqual(Signature);

    /// <summary>Decodes PNG bytes; <paramref name="what"/> names them in the error when they are not a PNG.</summary>
    public static SKBitmap Decode(byte[] bytes, string what)
    {
        ArgumentNullException.ThrowIfNull(bytes, what);
        if (!HasSignature(bytes))
            throw new ArgumentException($"{what} is not a PNG ({bytes.Length} bytes without the PNG signature).");
        return SKBitmap.Decode(bytes) ?? throw new ArgumentException($"{what} is a damaged PNG that cannot be decoded.");
    }
}
