using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Checkpoints;

/// <summary>The on-disk format: magic "APCCKPT\n", format version (int32), header JSON (length-prefixed),
/// a tensor table (name, dtype, shape, raw little-endian bytes), then a SHA-256 of everything before it.
/// Writes go to a temporary file in the same folder that is renamed over the target, so a crash never
/// leaves a truncated checkpoint; reads verify the checksum so that corruption is reported, not loaded.</summary>
public static class CheckpointFile
{
    static readonly byte[] Magic = Encoding.ASCII.GetBytes("APCCKPT\n");
    /// <summary>JSON conventions of every file apc writes: snake_case names.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };

    public static void Write(string path, CheckpointInfo info, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new ApcException($"cannot create output folder '{dir}': {e.Message}"); }
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                using var hashing = new HashingStream(stream);
                using (var writer = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
                {
                    writer.Write(Magic);
                    writer.Write(CheckpointInfo.FormatVersion);
                    var header = JsonSerializer.SerializeToUtf8Bytes(info, Json);
                    writer.Write(header.Length);
                    writer.Write(header);
                    writer.Write(tensors.Count);
                    foreach (var (name, tensor) in tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    {
                        using var cpu = tensor.detach().cpu().contiguous();
                        writer.Write(name);
                        writer.Write((int)cpu.dtype);
                        writer.Write((int)cpu.dim());
                        foreach (var d in cpu.shape) writer.Write(d);
                        writer.Flush();
                        cpu.WriteBytesToStream(hashing, 1 << 16);
                    }
                }
                stream.Write(hashing.Finish());
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw new ApcException($"cannot write checkpoint '{path}': {e.Message}");
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    public static (CheckpointInfo Info, Dictionary<string, Tensor> Tensors) Read(string path)
    {
        if (!File.Exists(path)) throw new ApcException($"checkpoint '{path}': file not found.");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new ApcException($"checkpoint '{path}': cannot read ({e.Message})."); }

        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new ApcException($"checkpoint '{path}': not an apc checkpoint (unknown format; import PyTorch files with 'apc import').");
        if (bytes.Length < Magic.Length + 4 + 32)
            throw new ApcException($"checkpoint '{path}': truncated ({bytes.Length} bytes).");
        var body = bytes.AsSpan(0, bytes.Length - 32);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
            throw new ApcException($"checkpoint '{path}': truncated or corrupt (checksum mismatch).");

        var tensors = new Dictionary<string, Tensor>();
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, 0, body.Length, writable: false));
            reader.ReadBytes(Magic.Length);
            var version = reader.ReadInt32();
            if (version != CheckpointInfo.FormatVersion)
                throw new ApcException($"checkpoint '{path}': format version {version} is not supported (this apc reads {CheckpointInfo.FormatVersion}).");
            var header = reader.ReadBytes(reader.ReadInt32());
            var info = JsonSerializer.Deserialize<CheckpointInfo>(header, Json)
                       ?? throw new ApcException($"checkpoint '{path}': empty header.");
            int count = reader.ReadInt32();
            for (int i = 0; i < count; i++)
            {
                var name = reader.ReadString();
                var dtype = (ScalarType)reader.ReadInt32();
                var shape = new long[reader.ReadInt32()];
                for (int d = 0; d < shape.Length; d++) shape[d] = reader.ReadInt64();
                var tensor = empty(shape, dtype);
                tensor.ReadBytesFromStream(reader.BaseStream, 1 << 16);
                tensors[name] = tensor;
            }
            if (reader.BaseStream.Position != body.Length)
                throw new ApcException($"checkpoint '{path}': corrupt (unexpected trailing data).");
            return (info, tensors);
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or ArgumentException or NotSupportedException)
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw new ApcException($"checkpoint '{path}': corrupt ({e.Message}).");
        }
    }

    static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Passes writes through to a stream while hashing them.</summary>
    sealed class HashingStream : Stream
    {
        readonly Stream inner;
        readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public HashingStream(Stream inner) { this.inner = inner; }
        public byte[] Finish() => hash.GetHashAndReset();
        public override void Write(byte[] buffer, int offset, int count) { hash.AppendData(buffer, offset, count); inner.Write(buffer, offset, count); }
        public override void Write(ReadOnlySpan<byte> buffer) { hash.AppendData(buffer); inner.Write(buffer); }
        public override void Flush() => inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        protected override void Dispose(bool disposing) { if (disposing) hash.Dispose(); base.Dispose(disposing); }
    }
}
