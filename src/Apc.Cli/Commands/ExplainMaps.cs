using Apc.Attribution;
using Apc.Data;
using Apc.Models;
using Apc.Util;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Apc.Cli.Commands;

/// <summary>apc explain --save-maps FILE: the explained images, their target classes and every model's raw maps as named
/// tensors in one safetensors file (written by TorchSharp.PyBridge), for analysis in Python or NumPy
/// (safetensors.numpy.load_file) instead of PNGs. Names and shapes, N images of C×H×W, K classes:
/// <list type="bullet">
/// <item>images: float32 [N,C,H,W], the normalised inputs the models saw;</item>
/// <item>indices: int64 [N], each image's index in the data set (0 for --image);</item>
/// <item>targets: int64 [N], the class explained for each image (the one the picture shows);</item>
/// <item>logits.MODEL: float32 [N,K], each model's logits (MODEL is "model" or "reference");</item>
/// <item>maps.MODEL.METHOD: float32 [N,H,W], the method's maps for the target classes at input resolution, as the
/// method returns them (<see cref="IAttributionMethod.Attribute"/>), before any display scaling.</item>
/// </list></summary>
public static class ExplainMaps
{
    public static Dictionary<string, Tensor> Collect(IReadOnlyList<(string Label, IImageClassifier Model)> models, IDataset data,
        IReadOnlyList<int> indices, IReadOnlyList<long> targets, IReadOnlyList<string> methods, AttributionOptions options, Device device)
    {
        if (indices.Count != targets.Count) throw new ArgumentException("one target per image", nameof(targets));
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var batch = data.GetBatch(indices, augment: false, rng: null, withMasks: false);
        var images = batch.Images.to(device);
        var classes = tensor(targets.ToArray(), device: device);
        tensors["images"] = batch.Images.detach().cpu().to_type(ScalarType.Float32).contiguous().clone();
        tensors["indices"] = tensor(indices.Select(i => (long)i).ToArray());
        tensors["targets"] = tensor(targets.ToArray());
        foreach (var (label, model) in models)
        {
            (model as TorchClassifier)?.Network.eval();
            tensors[$"logits.{label}"] = model.Logits(images).contiguous().clone();
            foreach (var name in methods)
            {
                var method = AttributionMethods.Create(name, options with { Normalization = data.Normalization });
                using var scope = NewDisposeScope();
                var maps = Apc.Reporting.AttributionGallery.Attribute(method, model, images, classes).detach().cpu().to_type(ScalarType.Float32).contiguous().clone();
                tensors[$"maps.{label}.{method.Name}"] = maps.MoveToOuterDisposeScope();
            }
        }
        return tensors;
    }

    /// <summary><paramref name="tensors"/> in the safetensors format, as the bytes of a file.</summary>
    public static byte[] Bytes(IReadOnlyDictionary<string, Tensor> tensors)
    {
        using var stream = new MemoryStream();
        Safetensors.SaveStateDict(stream, tensors.ToDictionary(kv => kv.Key, kv => kv.Value));
        return stream.ToArray();
    }

    /// <summary>Whether <paramref name="path"/> is a safetensors file with the tensor names explain writes (images, indices,
    /// targets, logits.MODEL, maps.MODEL.METHOD) and no others: read from the file's header alone (8 bytes giving the
    /// header's length, then its JSON), so any other file, however large, is answered "no" after a few bytes.</summary>
    public static bool WrittenByExplain(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            Span<byte> size = stackalloc byte[8];
            if (stream.ReadAtLeast(size, 8, throwOnEndOfStream: false) < 8) return false;
            var length = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(size);
            if (length == 0 || length > 1 << 20 || (long)length > stream.Length - 8) return false;
            var header = new byte[length];
            stream.ReadExactly(header);
            var names = System.Text.Json.Nodes.JsonNode.Parse(header)?.AsObject().Select(kv => kv.Key).Where(k => k != "__metadata__").ToList();
            return names is not null && new[] { "images", "indices", "targets" }.All(names.Contains)
                && names.All(n => n is "images" or "indices" or "targets" || n.StartsWith("logits.", StringComparison.Ordinal) || n.StartsWith("maps.", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidOperationException) { return false; }
    }

    /// <summary>Reads a safetensors file back into named tensors (what --save-maps wrote).</summary>
    public static Dictionary<string, Tensor> Load(string path) => Safetensors.LoadStateDict(path);
}
