using SkiaSharp;

namespace Apc.Data;

/// <summary>Pixels of a decoded image file: RGBA (4 bytes per pixel) or, for grey files when asked, one byte
/// per pixel. Row-major, no padding.</summary>
internal sealed record DecodedImage(byte[] Pixels, int Width, int Height, int Channels)
{
    /// <summary>Largest picture read: 2^26 pixels (8192 x 8192), 256 MB as RGBA; far beyond any photo data set.</summary>
    public const long MaxPixels = 1L << 26;

    /// <summary>Decodes a JPEG or PNG with SkiaSharp. A missing, unreadable or damaged file (including one cut
    /// short) is an <see cref="ApcException"/> naming the file. <paramref name="what"/> says what the file is for
    /// the message (e.g. "VOC image"). With <paramref name="keepGrey"/>, a grey-scale file is returned with one
    /// channel (its raw values) instead of being expanded to RGBA.</summary>
    public static DecodedImage Load(string path, string what, bool keepGrey = false)
    {
        Util.InputPath.RequireFile(path, what, "an image file (JPEG or PNG)");
        using var codec = SKCodec.Create(path, out var opened);
        if (codec is null)
            throw new ApcException($"{what} '{path}' cannot be decoded ({Describe(opened)}).");
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0)
            throw new ApcException($"{what} '{path}' has no pixels ({info.Width}x{info.Height}).");
        // A header may claim any size; decoding allocates it first. Bounded, so that a 65536x65536 claim in a
        // 100-byte file is refused instead of overflowing or exhausting memory.
        if ((long)info.Width * info.Height > MaxPixels)
            throw new ApcException($"{what} '{path}' is {info.Width}x{info.Height} pixels, more than apc reads ({MaxPixels:N0} pixels at most).");
        bool grey = keepGrey && info.ColorType == SKColorType.Gray8;
        // No colour space on the target: pixel values come out as stored, which palette masks rely on.
        var target = new SKImageInfo(info.Width, info.Height,
            grey ? SKColorType.Gray8 : SKColorType.Rgba8888, grey ? SKAlphaType.Opaque : SKAlphaType.Unpremul);
        var pixels = new byte[target.BytesSize64];
        var result = codec.GetPixels(target, pixels);
        if (result != SKCodecResult.Success)
            throw new ApcException($"{what} '{path}' cannot be decoded ({Describe(result)}).");
        return new DecodedImage(pixels, info.Width, info.Height, grey ? 1 : 4);
    }

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the file is truncated",
        SKCodecResult.ErrorInInput or SKCodecResult.InvalidInput => "the data is corrupt",
        SKCodecResult.Unimplemented => "unsupported format",
        _ => $"not a readable JPEG or PNG: {result}",
    };
}
