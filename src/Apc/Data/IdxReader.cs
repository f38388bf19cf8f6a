using System.Buffers.Binary;
using System.IO.Compression;

namespace Apc.Data;

/// <summary>Reads IDX files (the format of MNIST and Fashion-MNIST), raw or gzip-compressed. Compression is
/// recognised by content (the gzip magic bytes), so a file's extension does not have to match.</summary>
/// <remarks>Layout: bytes 0-1 are zero, byte 2 is the element type (0x08 = unsigned byte, the only type
/// supported here), byte 3 the number of dimensions n; then n big-endian int32 sizes; then the data.</remarks>
public static class IdxReader
{
    private const byte UnsignedByteType = 0x08;
    private const int MaxDimensions = 8;

    /// <summary>Reads and validates an IDX file. Every problem (missing, not gzip when it claims to be, wrong
    /// magic number, unexpected number of dimensions, data shorter or longer than the header says) is an
    /// <see cref="ApcException"/> whose message names the file.</summary>
    /// <param name="expectedDimensions">When given, the file must have exactly this many dimensions.</param>
    /// <param name="path">The file (plain or .gz).</param>
    public static IdxFile Read(string path, int? expectedDimensions = null)
    {
        Util.InputPath.RequireFile(path, "IDX file", "an IDX file");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ApcException($"IDX file '{path}' cannot be read: {e.Message}", e);
        }
        bool compressed = bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B;
        if (compressed) bytes = Gunzip(path, bytes);
        return Parse(path, bytes, expectedDimensions, compressed);
    }

    private static byte[] Gunzip(string path, byte[] compressed)
    {
        try
        {
            using var input = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
            return ReadDeclared(input);
        }
        catch (InvalidDataException e)
        {
            throw new ApcException($"IDX file '{path}' is not a valid gzip stream (corrupt or truncated): {e.Message}", e);
        }
    }

    /// <summary>Reads an IDX stream's header, then no more than the data it declares and one byte beyond (which tells a
    /// longer stream): so a small gzip file that inflates to gigabytes is refused after its header is read, not
    /// decompressed whole. Reads nothing past the header when the header is invalid (the caller's parse reports it).</summary>
    /// <param name="stream">The decompressed IDX content.</param>
    /// <returns>The bytes read: header, data, and at most one byte more.</returns>
    public static byte[] ReadDeclared(Stream stream)
    {
        var output = new MemoryStream();
        if (Copy(stream, output, 4) < 4) return output.ToArray();
        int rank = output.GetBuffer()[3];
        if (output.GetBuffer()[2] != UnsignedByteType || rank == 0 || rank > MaxDimensions) return output.ToArray();
        if (Copy(stream, output, 4L * rank) < 4L * rank) return output.ToArray();
        long declared = 1;
        for (int d = 0; d < rank; d++)
        {
            declared *= BinaryPrimitives.ReadUInt32BigEndian(output.GetBuffer().AsSpan(4 + 4 * d));
            if (declared > Array.MaxLength - output.Length - 1) return output.ToArray(); // the parse refuses the sizes
        }
        Copy(stream, output, declared + 1);
        return output.ToArray();
    }

    /// <summary>Copies up to <paramref name="count"/> bytes; returns how many there were.</summary>
    private static long Copy(Stream from, Stream to, long count)
    {
        var buffer = new byte[81920];
        long copied = 0;
        while (copied < count)
        {
            int n = from.Read(buffer, 0, (int)Math.Min(buffer.Length, count - copied));
            if (n == 0) break;
            to.Write(buffer, 0, n);
            copied += n;
        }
        return copied;
    }

    private static IdxFile Parse(string path, byte[] bytes, int? expectedDimensions, bool compressed)
    {
        if (bytes.Length < 4)
            throw new ApcException($"IDX file '{path}' is truncated: {bytes.Length} bytes, shorter than the 4-byte header.");
        if (bytes[0] != 0 || bytes[1] != 0 || bytes[2] != UnsignedByteType)
        {
            uint magic = BinaryPrimitives.ReadUInt32BigEndian(bytes);
            throw new ApcException($"IDX file '{path}' has wrong magic number 0x{magic:X8}; expected 0x000008nn (unsigned-byte IDX with nn dimensions).");
        }
        int rank = bytes[3];
        if (rank == 0 || rank > MaxDimensions)
            throw new ApcException($"IDX file '{path}' declares {rank} dimensions; expected 1 to {MaxDimensions}.");
        if (expectedDimensions is int expected && rank != expected)
            throw new ApcException($"IDX file '{path}' has {rank} dimensions; expected {expected}.");
        int headerLength = 4 + 4 * rank;
        if (bytes.Length < headerLength)
            throw new ApcException($"IDX file '{path}' is truncated inside its header ({bytes.Length} of {headerLength} bytes).");

        var dims = new int[rank];
        long expectedData = 1;
        for (int d = 0; d < rank; d++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + 4 * d));
            if (size > int.MaxValue)
                throw new ApcException($"IDX file '{path}' declares dimension {d} of size {size}, which is not plausible.");
            dims[d] = (int)size;
            expectedData *= size;
            if (expectedData > Array.MaxLength)
                throw new ApcException($"IDX file '{path}' declares sizes {string.Join("x", dims.Take(d + 1))}..., more data than any file can hold.");
        }
        long actualData = bytes.Length - headerLength;
        string shape = string.Join("x", dims);
        // "2x3x3 = 18 bytes"; a label file's shape is its byte count already: "10000 bytes".
        string declared = shape == expectedData.ToString(System.Globalization.CultureInfo.InvariantCulture) ? $"{expectedData} bytes" : $"{shape} = {expectedData} bytes";
        if (actualData < expectedData)
            throw new ApcException($"IDX file '{path}' is truncated: the header declares {declared} of data but only {actualData} follow.");
        if (actualData > expectedData)
            throw new ApcException(compressed
                ? $"IDX file '{path}' has data beyond the {declared} its header declares (wrong dimensions?)."
                : $"IDX file '{path}' has {actualData - expectedData} bytes beyond the {declared} its header declares (wrong dimensions?).");
        return new IdxFile(path, dims, bytes.AsSpan(headerLength).ToArray());
    }
}
