using System.Text.Json.Nodes;
using Apc.Data;
using Apc.Models;

namespace Apc.Checkpoints;

/// <summary>What a checkpoint says about itself: enough to rebuild the network, feed it correctly, name its
/// outputs and know where it came from. Stored as JSON at the head of the file.</summary>
/// <param name="Kind">teacher, kd, structured, unstructured, block-sparse, unify, quantize, kernel-quantize, pipeline or imported.</param>
/// <param name="Arch">Canonical <see cref="ArchSpec"/> text.</param>
/// <param name="Dataset">The data set spec it was trained on (e.g. fashion-scenes, voc:/data/VOC2012).</param>
/// <param name="Provenance">Command line, tool version, time, seed and full configuration.</param>
/// <param name="Metrics">Validation metrics (fractions in [0,1]) and anything else worth showing.</param>
/// <param name="Compression">Method-specific facts (pruning ratios, sparsity, quantization scales' tensor names...).</param>
/// <param name="InChannels">Image channels the network takes.</param>
/// <param name="NumClasses">K, the number of classes.</param>
/// <param name="ImageSize">The image side in pixels.</param>
/// <param name="ClassNames">The K class names, in label order.</param>
/// <param name="Normalization">How images were normalised for this network.</param>
public sealed record CheckpointInfo(
    string Kind,
    string Arch,
    int InChannels,
    int NumClasses,
    int ImageSize,
    IReadOnlyList<string> ClassNames,
    Normalization Normalization,
    string Dataset,
    JsonObject Provenance,
    JsonObject Metrics,
    JsonObject? Compression = null)
{
    /// <summary>The format name stored in every checkpoint.</summary>
    public const string FormatName = "apc-checkpoint";
    /// <summary>The format version this build writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>The configuration to build the network with (architecture parsed from <see cref="Arch"/>).</summary>
    public ModelConfig ModelConfig => new(ArchSpec.Parse(Arch), InChannels, NumClasses, ImageSize);

    /// <summary>Limits on what a header may say; far beyond real networks, they keep a crafted header from asking
    /// for absurd allocations.</summary>
    public const int MaxInChannels = 64, MaxClasses = 100_000, MinImageSize = 32, MaxImageSize = 4096;

    /// <summary>Checks that the header is complete and consistent with itself (class names for every class, one
    /// mean and a positive std per input channel, an architecture that parses); throws an <see cref="ApcException"/>
    /// that starts with <paramref name="source"/> ("checkpoint 'x.ckpt'") and names the field as stored in the file.</summary>
    public CheckpointInfo Validate(string source)
    {
        ApcException Bad(string why) => new($"{source}: {why}.");
        if (string.IsNullOrWhiteSpace(Kind)) throw Bad("header has no 'kind'");
        if (string.IsNullOrWhiteSpace(Arch)) throw Bad("header has no 'arch'");
        try { ArchSpec.Parse(Arch); }
        catch (UsageException e) { throw Bad($"header 'arch' is invalid ({e.Message.TrimEnd('.')})"); }
        if (InChannels is < 1 or > MaxInChannels) throw Bad($"in_channels {InChannels} is outside [1, {MaxInChannels}]");
        if (NumClasses is < 1 or > MaxClasses) throw Bad($"num_classes {NumClasses} is outside [1, {MaxClasses}]");
        if (ImageSize is < MinImageSize or > MaxImageSize)
            throw Bad($"image_size {ImageSize} is outside [{MinImageSize}, {MaxImageSize}] (five 2x poolings need at least {MinImageSize})");
        if (ClassNames is null) throw Bad("header has no 'class_names'");
        if (ClassNames.Count != NumClasses) throw Bad($"{ClassNames.Count} class_names for num_classes {NumClasses}");
        if (ClassNames.Any(string.IsNullOrWhiteSpace)) throw Bad("a class name is empty");
        if (ClassNames.Distinct().Count() != ClassNames.Count) throw Bad("class_names are not unique");
        if (Normalization?.Mean is null || Normalization.Std is null) throw Bad("header has no normalization mean and std");
        if (Normalization.Mean.Length != InChannels)
            throw Bad($"normalization mean has {Normalization.Mean.Length} values for in_channels {InChannels}");
        if (Normalization.Std.Length != InChannels)
            throw Bad($"normalization std has {Normalization.Std.Length} values for in_channels {InChannels}");
        if (Normalization.Mean.Any(v => !float.IsFinite(v))) throw Bad("normalization mean is not finite");
        if (Normalization.Std.Any(v => !(v > 0) || !float.IsFinite(v)))
            throw Bad($"normalization std [{string.Join(", ", Normalization.Std)}] must be positive and finite");
        if (Dataset is null) throw Bad("header has no 'dataset'");
        if (Provenance is null || Metrics is null) throw Bad("header has no 'provenance' or 'metrics'");
        return this;
    }

    /// <summary>What produced a checkpoint: the command line, the seed, the settings, the tool version and the time (UTC).</summary>
    public static JsonObject MakeProvenance(string command, int seed, JsonNode? config) => new()
    {
        ["command"] = command,
        ["tool_version"] = ToolVersion.Text,
        ["created_utc"] = DateTime.UtcNow.ToString("O"),
        ["seed"] = seed,
        ["config"] = config,
    };
}
