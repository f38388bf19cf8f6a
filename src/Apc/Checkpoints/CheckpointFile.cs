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

    /// <summary>Writes <paramref name="info"/> and the named <paramref name="tensors"/> to <paramref name="path"/> atomically (a temporary file, then a rename).</summary>
    public static void Write(string path, CheckpointInfo info, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new ApcException($"cannot create output folder '{dir}': {e.Message}"); }
        if (Directory.Exists(full)) throw new ApcException($"cannot write checkpoint '{path}': is a folder, expected a checkpoint file.");
        var tmp = Util.AtomicFile.TempPathFor(full);
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
            Util.AtomicFile.RemoveStaleTempFiles(dir);
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

    /// <summary>Most tensors a checkpoint may list and most dimensions one may have: far beyond any real network,
    /// small enough that a crafted header cannot make the reader allocate before the sizes are checked.</summary>
    const int MaxTensors = 100_000, MaxDims = 8;

    /// <summary>The element types apc writes (and reads back), with their sizes in bytes.</summary>
    static readonly Dictionary<ScalarType, int> ElementBytes = new()
    {
        [ScalarType.Float32] = 4, [ScalarType.Float64] = 8, [ScalarType.Float16] = 2, [ScalarType.BFloat16] = 2,
        [ScalarType.Int8] = 1, [ScalarType.Byte] = 1, [ScalarType.Int16] = 2, [ScalarType.Int32] = 4,
        [ScalarType.Int64] = 8, [ScalarType.Bool] = 1,
    };

    /// <summary>Reads a checkpoint written by <see cref="Write"/>; the caller owns (disposes) the tensors. A missing, truncated or foreign file is an <see cref="ApcException"/> naming it.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="what">How an error names the file: "checkpoint", or with the option that gave it, "--model checkpoint".</param>
    public static (CheckpointInfo Info, Dictionary<string, Tensor> Tensors) Read(string path, string what = "checkpoint")
    {
        Util.InputPath.RequireFile(path, what, "a checkpoint file");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new ApcException($"{what} '{path}': cannot read ({e.Message})."); }

        if (bytes.Length == 0) throw new ApcException($"{what} '{path}': empty file (0 bytes); an interrupted copy or download?");
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new ApcException($"{what} '{path}': not an apc checkpoint (unknown format; import PyTorch files with 'apc import').");
        if (bytes.Length < Magic.Length + 4 + 32)
            throw new ApcException($"{what} '{path}': truncated ({bytes.Length} bytes).");
        var body = bytes.AsSpan(0, bytes.Length - 32);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
            throw new ApcException($"{what} '{path}': truncated or corrupt (checksum mismatch).");

        var tensors = new Dictionary<string, Tensor>();
        ApcException Corrupt(string why) => new($"{what} '{path}': corrupt ({why}).");
        try
        {
            using var reader = new BinaryReader(new MemoryStream(bytes, 0, body.Length, writable: false));
            long bodyLength = body.Length;
            long Remaining() => bodyLength - reader.BaseStream.Position;
            reader.ReadBytes(Magic.Length);
            var version = reader.ReadInt32();
            if (version != CheckpointInfo.FormatVersion)
                throw new ApcException($"{what} '{path}': format version {version} is not supported (this apc reads {CheckpointInfo.FormatVersion}).");
            int headerLength = reader.ReadInt32();
            if (headerLength < 2 || headerLength > Remaining()) throw Corrupt($"header length {headerLength} does not fit the file");
            var header = reader.ReadBytes(headerLength);
            var info = JsonSerializer.Deserialize<CheckpointInfo>(header, Json) ?? throw Corrupt("empty header");
            info.Validate($"{what} '{path}'");
            int count = reader.ReadInt32();
            if (count < 0 || count > MaxTensors) throw Corrupt($"tensor count {count} is outside [0, {MaxTensors}]");
            for (int i = 0; i < count; i++)
            {
                var name = ReadName(reader, i, Remaining(), Corrupt);
                int dtypeId = reader.ReadInt32();
                if (!ElementBytes.TryGetValue((ScalarType)dtypeId, out var elementBytes))
                    throw Corrupt($"tensor '{name}' has unknown dtype id {dtypeId}");
                var dtype = (ScalarType)dtypeId;
                int dims = reader.ReadInt32();
                if (dims < 0 || dims > MaxDims) throw Corrupt($"tensor '{name}' has {dims} dimensions (at most {MaxDims})");
                var shape = new long[dims];
                long bytesNeeded = elementBytes;
                for (int d = 0; d < dims; d++)
                {
                    shape[d] = reader.ReadInt64();
                    if (shape[d] < 0) throw Corrupt($"tensor '{name}' has a negative dimension {shape[d]}");
                    if (shape[d] > 0 && bytesNeeded > long.MaxValue / shape[d])
                        throw Corrupt($"tensor '{name}' declares {dtype} [{string.Join(',', shape[..(d + 1)])}...], more bytes than any file holds");
                    bytesNeeded *= shape[d];
                }
                if (bytesNeeded > Remaining())
                    throw Corrupt($"tensor '{name}' declares {dtype} [{string.Join(',', shape)}], {bytesNeeded} bytes, but only {Remaining()} remain");
                var tensor = empty(shape, dtype);
                tensors[name] = tensor;
                tensor.ReadBytesFromStream(reader.BaseStream, 1 << 16);
            }
            if (reader.BaseStream.Position != body.Length)
                throw Corrupt($"{body.Length - reader.BaseStream.Position} bytes after the last tensor; a declared dtype or shape does not match the data");
            return (info, tensors);
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or ArgumentException or NotSupportedException
                                   or InvalidOperationException or FormatException)
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw Corrupt(e.Message.TrimEnd('.'));
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>Longest tensor name accepted: state-dict keys are short dotted paths.</summary>
    const int MaxNameBytes = 1024;

    /// <summary>A tensor name (BinaryWriter's 7-bit length prefix, then UTF-8), checked before it is read: a length that
    /// does not fit, invalid UTF-8 or control characters mean the table is corrupt, and the bytes are never quoted.</summary>
    static string ReadName(BinaryReader reader, int index, long remaining, Func<string, ApcException> corrupt)
    {
        int length = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (shift > 28) throw corrupt($"the name of tensor #{index + 1} has a malformed length");
            byte b = reader.ReadByte();
            length |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) break;
        }
        if (length < 1 || length > MaxNameBytes || length > remaining)
            throw corrupt($"the name of tensor #{index + 1} declares {length} bytes (1 to {MaxNameBytes} allowed, {remaining} left)");
        var bytes = reader.ReadBytes(length);
        string name;
        try { name = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes); }
        catch (DecoderFallbackException) { throw corrupt($"the name of tensor #{index + 1} is not UTF-8 text"); }
        if (name.Any(char.IsControl)) throw corrupt($"the name of tensor #{index + 1} holds control characters");
        return name;
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
