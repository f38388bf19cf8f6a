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
    public void ATruncatedLabelFileGivesItsDeclaredSizeOnce()
    {
        string path = Path.Combine(_dir, "labels-idx1-ubyte");
        File.WriteAllBytes(path, FashionFixture.IdxBytes([10], new byte[10])[..^4]);
        var e = Assert.Throws<ApcException>(() => IdxReader.Read(path));
        Assert.Equal($"IDX file '{path}' is truncated: the header declares 10 bytes of data but only 6 follow.", e.Message);
    }

    /// <summary>A gzip bomb: a valid header followed by far more data than it declares. The reader stops one byte past
    /// the declared data, so even an endless stream ends, and the file is refused as longer than its header says.</summary>
    [Fact]
    public void AStreamLongerThanItsHeaderIsReadOnlyOneBytePastTheDeclaredData()
    {
        var header = FashionFixture.IdxBytes([2, 3, 3], new byte[18])[..16];
        using var endless = new EndlessAfter(header);
        Assert.Equal(16 + 18 + 1, IdxReader.ReadDeclared(endless).Length);

        // The same as a file: 64 MiB of zeros after the header gzip to about 64 KB; refused, naming the file.
        string path = Path.Combine(_dir, "bomb-idx3-ubyte.gz");
        File.WriteAllBytes(path, FashionFixture.Gzip([.. header, .. new byte[64 << 20]]));
        var e = Assert.Throws<ApcException>(() => IdxReader.Read(path, expectedDimensions: 3));
        Assert.Contains(path, e.Message);
        Assert.Contains("beyond the 2x3x3 = 18 bytes", e.Message);
    }

    /// <summary>A stream that gives <c>prefix</c> and then zeros forever.</summary>
    sealed class EndlessAfter(byte[] prefix) : Stream
    {
        long position;
        public override int Read(byte[] buffer, int offset, int count)
        {
            for (int i = 0; i < count; i++, position++) buffer[offset + i] = position < prefix.Length ? prefix[position] : (byte)0;
            return count;
        }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
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
