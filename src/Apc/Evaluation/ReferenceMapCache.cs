using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Apc.Attribution;
using Apc.Util;
using static TorchSharp.torch;

namespace Apc.Evaluation;

/// <summary>
/// A folder of the reference model's attribution maps, shared by evaluations against the same reference: every student
/// of an experiment is compared with the same teacher on the same images, so the teacher's map of an (image, class)
/// pair is computed once instead of once per student.
/// <para>
/// Each map is a file named by the SHA-256 of what produced it: the reference (its identity <see cref="ReferenceId"/>, in apc
/// the checksum of its checkpoint file), the method's name and every attribution option, the image's pixels (SHA-256
/// of its float32 values as the model receives them) and the class. The file repeats that description, and a read
/// checks it, so an entry is never used for another pair. A reference map depends on nothing else: the reference runs
/// in evaluation mode, so an image's map does not depend on the other images of its batch (SmoothGrad's and RISE's
/// noise is seeded per call and shared by every image). Writes are atomic, so evaluations running in parallel may
/// fill the same folder.
/// </para>
/// </summary>
public sealed class ReferenceMapCache
{
    const string Magic = "APCMAP01";
    static readonly JsonSerializerOptions OptionsJson = new() { Converters = { new JsonStringEnumConverter() } };

    /// <param name="folder">Where the maps live (created when the first map is written).</param>
    /// <param name="referenceId">What identifies the reference network's weights and behaviour exactly, such as
    /// "sha256:…" of its checkpoint file.</param>
    public ReferenceMapCache(string folder, string referenceId)
    {
        if (string.IsNullOrWhiteSpace(referenceId)) throw new ArgumentException("the reference needs an identity", nameof(referenceId));
        Folder = folder;
        ReferenceId = referenceId;
    }

    /// <summary>The cache folder.</summary>
    public string Folder { get; }

    /// <summary>The identity of the reference whose maps this cache holds.</summary>
    public string ReferenceId { get; }

    /// <summary>Maps read from the folder so far.</summary>
    public int Hits { get; private set; }

    /// <summary>Maps computed (and written) so far.</summary>
    public int Misses { get; private set; }

    /// <summary>The reference's maps of <paramref name="method"/> for the pairs (inputs[i], targets[i]): those in the
    /// folder are read, the others computed with <paramref name="compute"/> (called once, on the missing rows only)
    /// and written.</summary>
    /// <param name="method">The attribution method (its name is part of each map's identity).</param>
    /// <param name="options">The method's options, all part of each map's identity.</param>
    /// <param name="inputs">[N, C, H, W] images, as the reference receives them.</param>
    /// <param name="targets">[N] class indices (int64).</param>
    /// <param name="compute">The reference's maps of some rows: (images [M, C, H, W], classes [M]) → [M, H', W'] on
    /// the CPU.</param>
    /// <returns>[N, H', W'] float32 on the CPU.</returns>
    /// <exception cref="ApcException">An entry cannot be read, or does not describe the pair it is named after.</exception>
    public Tensor Maps(IAttributionMethod method, AttributionOptions options, Tensor inputs, Tensor targets, Func<Tensor, Tensor, Tensor> compute)
    {
        int n = (int)inputs.shape[0];
        var keys = PairKeys(method.Name, options, inputs, targets);
        var found = new Tensor?[n];
        var missing = new List<long>();
        for (int i = 0; i < n; i++)
        {
            found[i] = Read(keys[i]);
            if (found[i] is null) missing.Add(i);
        }
        Hits += n - missing.Count;
        Misses += missing.Count;
        if (missing.Count > 0)
        {
            using var rows = tensor(missing.ToArray());
            using var computed = compute(inputs.index_select(0, rows.to(inputs.device)), targets.index_select(0, rows.to(targets.device)));
            for (int j = 0; j < missing.Count; j++)
            {
                var map = computed[j].to_type(ScalarType.Float32).cpu().contiguous();
                Write(keys[(int)missing[j]], map);
                found[(int)missing[j]] = map;
            }
        }
        var all = stack(found.Select(t => t!).ToArray());
        foreach (var t in found) t!.Dispose();
        return all;
    }

    /// <summary>The description of each pair's map, as written into its file.</summary>
    List<string> PairKeys(string method, AttributionOptions options, Tensor inputs, Tensor targets)
    {
        var optionsJson = JsonDocument.Parse(JsonSerializer.Serialize(options, OptionsJson)).RootElement;
        using var pixels = inputs.detach().to_type(ScalarType.Float32).cpu().contiguous();
        var values = pixels.data<float>().ToArray();
        var classes = targets.cpu().to_type(ScalarType.Int64).data<long>().ToArray();
        int n = (int)inputs.shape[0], per = values.Length / Math.Max(1, n);
        var keys = new List<string>(n);
        for (int i = 0; i < n; i++)
        {
            var image = Convert.ToHexStringLower(SHA256.HashData(MemoryMarshal.AsBytes(values.AsSpan(i * per, per))));
            keys.Add(JsonSerializer.Serialize(new
            {
                reference = ReferenceId, method, options = optionsJson, image_sha256 = image,
                @class = classes[i], apc = ToolVersion.Text,
            }));
        }
        return keys;
    }

    string PathOf(string key)
    {
        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        return Path.Combine(Folder, name[..2], name + ".map");
    }

    Tensor? Read(string key)
    {
        var path = PathOf(key);
        if (!File.Exists(path)) return null;
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new ApcException($"reference-map cache: cannot read '{path}': {e.Message}"); }
        var stored = Decode(bytes, out var height, out var width, out var data);
        if (stored != key || data.Length != height * width)
            throw new ApcException($"reference-map cache: '{path}' does not hold the map it is named after (a damaged or foreign file); remove the folder '{Folder}' and run again.");
        return tensor(data, new long[] { height, width });
    }

    void Write(string key, Tensor map)
    {
        if (map.dim() != 2) throw new ApcException($"reference-map cache: maps must be [H, W] per pair (got {string.Join("x", map.shape)}).");
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllBytes(path, Encode(key, (int)map.shape[0], (int)map.shape[1], map.data<float>().ToArray()));
    }

    /// <summary>The file's bytes: "APCMAP01", the key's UTF-8 length (int32 LE) and bytes, height and width (int32 LE),
    /// then height·width float32 LE values.</summary>
    static byte[] Encode(string key, int height, int width, float[] data)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        var bytes = new byte[Magic.Length + 4 + keyBytes.Length + 8 + 4 * data.Length];
        var span = bytes.AsSpan();
        Encoding.ASCII.GetBytes(Magic, span);
        int at = Magic.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], keyBytes.Length); at += 4;
        keyBytes.CopyTo(span[at..]); at += keyBytes.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], height); at += 4;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], width); at += 4;
        for (int i = 0; i < data.Length; i++, at += 4) BinaryPrimitives.WriteSingleLittleEndian(span[at..], data[i]);
        return bytes;
    }

    static string? Decode(byte[] bytes, out int height, out int width, out float[] data)
    {
        height = width = 0;
        data = Array.Empty<float>();
        var span = bytes.AsSpan();
        if (span.Length < Magic.Length + 12 || Encoding.ASCII.GetString(span[..Magic.Length]) != Magic) return null;
        int at = Magic.Length;
        int keyLength = BinaryPrimitives.ReadInt32LittleEndian(span[at..]); at += 4;
        if (keyLength < 0 || at + keyLength + 8 > span.Length) return null;
        var key = Encoding.UTF8.GetString(span.Slice(at, keyLength)); at += keyLength;
        height = BinaryPrimitives.ReadInt32LittleEndian(span[at..]); at += 4;
        width = BinaryPrimitives.ReadInt32LittleEndian(span[at..]); at += 4;
        if (height < 0 || width < 0 || span.Length - at != 4L * height * width) return null;
        data = new float[height * width];
        for (int i = 0; i < data.Length; i++, at += 4) data[i] = BinaryPrimitives.ReadSingleLittleEndian(span[at..]);
        return key;
    }
}
