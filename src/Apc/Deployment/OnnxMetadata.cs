using System.Security.Cryptography;
using System.Text.Json;
using Apc.Checkpoints;
using Google.Protobuf;
using Onnx;

namespace Apc.Deployment;

/// <summary>What an apc export says about itself, in the ONNX model's metadata_props: the source checkpoint's header
/// (architecture, class names, input normalisation, data set, provenance, metrics, compression) as JSON, the source
/// file's SHA-256, the precision, a few keys readable without apc (arch, class names, normalisation), and last an
/// integrity hash of everything before it, so that a file cut short is recognised as such.</summary>
public static class OnnxMetadata
{
    /// <summary>Metadata key of the file format and its value.</summary>
    public const string Format = "apc.format", FormatValue = "apc-onnx/1";
    /// <summary>Metadata keys of the source checkpoint: its path, SHA-256 and file name.</summary>
    public const string Checkpoint = "apc.checkpoint", SourceSha256 = "apc.source_sha256", SourceFile = "apc.source_file";
    /// <summary>Metadata keys of the precision, architecture, class names and normalisation.</summary>
    public const string Precision = "apc.precision", Arch = "apc.arch", ClassNames = "apc.class_names", Normalization = "apc.normalization";
    /// <summary>Metadata key of the integrity check (logit agreement with the checkpoint).</summary>
    public const string Integrity = "apc.integrity";

    /// <summary>Adds the metadata to <paramref name="model"/>; call it last (the integrity hash covers the whole model).</summary>
    public static void Write(ModelProto model, CheckpointInfo info, string sourceSha256, string sourceName, string precision)
    {
        void Add(string key, string value) => model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        Add(Format, FormatValue);
        Add(Arch, info.Arch);
        Add(ClassNames, JsonSerializer.Serialize(info.ClassNames));
        Add(Normalization, JsonSerializer.Serialize(new { mean = info.Normalization.Mean, std = info.Normalization.Std }));
        Add(Precision, precision);
        Add(SourceFile, sourceName);
        Add(SourceSha256, sourceSha256);
        Add(Checkpoint, JsonSerializer.Serialize(info, CheckpointFile.Json));
        Add(Integrity, Hash(model));
    }

    /// <summary>SHA-256 (hex) of the model serialised as it is now.</summary>
    static string Hash(ModelProto model) => Convert.ToHexStringLower(SHA256.HashData(model.ToByteArray()));

    /// <summary>The metadata of an apc export, checked; throws a one-line <see cref="ApcException"/> starting with
    /// <paramref name="source"/> when the model is not an apc export, was cut short, or its header is invalid.</summary>
    public static (CheckpointInfo Info, IReadOnlyDictionary<string, string> Properties) Read(ModelProto model, string source)
    {
        var properties = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in model.MetadataProps) properties[entry.Key] = entry.Value;
        if (!properties.Keys.Any(k => k.StartsWith("apc.", StringComparison.Ordinal)))
            throw new ApcException($"{source}: not an apc export (no apc metadata: normalisation, class names and architecture are unknown); " +
                                   "make one with 'apc export --model M.ckpt --out model.onnx'.");
        var last = model.MetadataProps.Count > 0 ? model.MetadataProps[^1] : null;
        if (last is null || last.Key != Integrity)
            throw new ApcException($"{source}: truncated (its metadata ends before '{Integrity}').");
        var copy = model.Clone();
        copy.MetadataProps.RemoveAt(copy.MetadataProps.Count - 1);
        if (Hash(copy) != last.Value)
            throw new ApcException($"{source}: corrupt or edited after export (integrity hash mismatch).");
        if (!properties.TryGetValue(Format, out var format) || format != FormatValue)
            throw new ApcException($"{source}: apc export format '{format}' is not supported (this apc reads {FormatValue}).");
        if (!properties.TryGetValue(Checkpoint, out var header))
            throw new ApcException($"{source}: apc export without '{Checkpoint}' metadata.");
        CheckpointInfo info;
        try { info = JsonSerializer.Deserialize<CheckpointInfo>(header, CheckpointFile.Json) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new ApcException($"{source}: metadata '{Checkpoint}' is not a checkpoint header ({e.Message.TrimEnd('.')})."); }
        info.Validate(source);
        return (info, properties);
    }
}
