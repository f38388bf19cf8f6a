using Apc.Data;

namespace Apc.Tests.Data;

public sealed class IdxReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("apc-idx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WrittenFileReadsBackUnchanged(bool gzip)
    {
        var data = new byte[3 * 4 * 5];
        new Random(7).NextBytes(data);
        string path = Path.Combine(_dir, gzip ? "x.gz" : "x");
        FashionFixture.WriteIdx(path, [3, 4, 5], data, gzip);

        var file = IdxReader.Read(path, expectedDimensions: 3);

        Assert.Equal([3, 4, 5], file.Dimensions);
        Assert.Equal(data, file.Data);
        Assert.Equal(20, file.ItemSize);
    }

    [Fact]
    public void CompressionIsRecognisedByContentNotExtension()
    {
        string path = Path.Combine(_dir, "labels-without-gz-extension");
        FashionFixture.WriteIdx(path, [4], [1, 2, 3, 4], gzip: true);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, IdxReader.Read(path).Data);
    }

    public static TheoryData<string, string> Corruptions => new()
    {
        { "truncated-data", "truncated" },
        { "truncated-header", "truncated" },
        { "too-short", "truncated" },
        { "wrong-magic", "magic" },
        { "wrong-type", "magic" },
        { "wrong-dims", "dimensions" },
        { "zero-dims", "dimensions" },
        { "trailing-bytes", "beyond" },
        { "bad-gzip", "gzip" },
        { "truncated-gzip", "" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void CorruptFileGivesApcExceptionNamingTheFile(string corruption, string expectedWord)
    {
        var good = FashionFixture.IdxBytes([2, 3, 3], Enumerable.Range(0, 18).Select(i => (byte)i).ToArray());
        byte[] bytes = corruption switch
        {
            "truncated-data" => good[..^5],
            "truncated-header" => good[..10],
            "too-short" => good[..3],
            "wrong-magic" => [.. new byte[] { 0x12, 0x34 }, .. good[2..]],
            "wrong-type" => [.. good[..2], 0x0D, .. good[3..]],
            "wrong-dims" => FashionFixture.IdxBytes([18], good[(4 + 12)..]),   // valid file, but 1-D where 3-D is expected
            "zero-dims" => [0, 0, 8, 0],
            "trailing-bytes" => [.. good, 1, 2, 3],
            "bad-gzip" => [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
            "truncated-gzip" => FashionFixture.Gzip(good)[..^12],
            _ => throw new ArgumentException(corruption),
        };
        string path = Path.Combine(_dir, corruption + "-idx3-ubyte");
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<ApcException>(() => IdxReader.Read(path, expectedDimensions: 3));

        Assert.Contains(path, e.Message);
        Assert.Contains(expectedWord, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MissingFileGivesApcExceptionNamingTheFile()
    {
        string path = Path.Combine(_dir, "nope-idx1-ubyte");
        var e = Assert.Throws<ApcException>(() => IdxReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not found", e.Message);
    }
}
