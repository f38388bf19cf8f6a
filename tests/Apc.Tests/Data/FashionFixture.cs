using System.Buffers.Binary;
using System.IO.Compression;
using Apc.Data;

namespace Apc.Tests.Data;

/// <summary>Writes a tiny synthetic Fashion-MNIST folder (the four IDX files, gzip-compressed by default) into a
/// temporary directory, so tests need not depend on the real files. Image i has label i % 10 and shows a filled
/// rectangle whose place depends on the label. Every pixel of the rectangle has one intensity that tells which
/// file (and which half of the test file) the image came from: <see cref="TrainIntensity"/>,
/// <see cref="TestFirstHalfIntensity"/> or <see cref="TestSecondHalfIntensity"/>. Deleted on Dispose.</summary>
public sealed class FashionFixture : IDisposable
{
    public const int Side = 28;
    public const byte TrainIntensity = 250, TestFirstHalfIntensity = 170, TestSecondHalfIntensity = 90;

    private FashionFixture(string folder, int trainCount, int testCount)
    {
        Folder = folder; TrainCount = trainCount; TestCount = testCount;
    }

    public string Folder { get; }
    public int TrainCount { get; }
    public int TestCount { get; }

    public static FashionFixture Create(int trainCount = 200, int testCount = 100, bool gzip = true)
    {
        string folder = Path.Combine(Path.GetTempPath(), "apc-fashion-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var fixture = new FashionFixture(folder, trainCount, testCount);
        string ext = gzip ? ".gz" : "";
        WriteIdx(Path.Combine(folder, FashionMnist.TrainImagesName + ext), [trainCount, Side, Side], Images(trainCount, _ => TrainIntensity), gzip);
        WriteIdx(Path.Combine(folder, FashionMnist.TrainLabelsName + ext), [trainCount], Labels(trainCount), gzip);
        WriteIdx(Path.Combine(folder, FashionMnist.TestImagesName + ext), [testCount, Side, Side],
            Images(testCount, i => i < testCount / 2 ? TestFirstHalfIntensity : TestSecondHalfIntensity), gzip);
        WriteIdx(Path.Combine(folder, FashionMnist.TestLabelsName + ext), [testCount], Labels(testCount), gzip);
        return fixture;
    }

    /// <summary>The path of one of the four files in this fixture.</summary>
    public string PathOf(string baseName) =>
        Directory.GetFiles(Folder, baseName + "*").Single();

    public static byte LabelOf(int index) => (byte)(index % 10);

    /// <summary>The image the fixture writes for item <paramref name="index"/> at the given intensity.</summary>
    public static byte[] Image(int index, byte intensity)
    {
        var image = new byte[Side * Side];
        int label = LabelOf(index);
        // A 10x12 rectangle that moves with the label, so classes differ in shape position.
        int top = 4 + label, left = 3 + label;
        for (int y = top; y < top + 12; y++)
            for (int x = left; x < left + 10; x++) image[y * Side + x] = intensity;
        return image;
    }

    /// <summary>Bytes of an unsigned-byte IDX file with the given dimensions and data.</summary>
    public static byte[] IdxBytes(int[] dims, byte[] data)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = 0x08;
        bytes[3] = (byte)dims.Length;
        for (int d = 0; d < dims.Length; d++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static void WriteIdx(string path, int[] dims, byte[] data, bool gzip) => WriteBytes(path, IdxBytes(dims, data), gzip);

    public static void WriteBytes(string path, byte[] bytes, bool gzip)
    {
        using var file = File.Create(path);
        if (!gzip) { file.Write(bytes); return; }
        using var zip = new GZipStream(file, CompressionLevel.Fastest);
        zip.Write(bytes);
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var zip = new GZipStream(output, CompressionLevel.Fastest)) zip.Write(bytes);
        return output.ToArray();
    }

    private static byte[] Images(int count, Func<int, byte> intensity)
    {
        var data = new byte[count * Side * Side];
        for (int i = 0; i < count; i++) Image(i, intensity(i)).CopyTo(data, i * Side * Side);
        return data;
    }

    private static byte[] Labels(int count) => Enumerable.Range(0, count).Select(LabelOf).ToArray();

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
