using System.Text.Json.Nodes;
using Apc.Data;
using Apc.Models;

namespace Apc.Checkpoints;

/// <summary>What a checkpoint says about itself: enough to rebuild the network, feed it correctly, name its
/// outputs and know where it came from. Stored as JSON at the head of the file.</summary>
/// <param name="Kind">teacher, kd, structured, unstructured, quantize, pipeline or imported.</param>
/// <param name="Arch">Canonical <see cref="ArchSpec"/> text.</param>
/// <param name="Dataset">The data set spec it was trained on (e.g. fashion-scenes, voc:/data/VOC2012).</param>
/// <param name="Provenance">Command line, tool version, time, seed and full configuration.</param>
/// <param name="Metrics">Validation metrics (fractions in [0,1]) and anything else worth showing.</param>
/// <param name="Compression">Method-specific facts (pruning ratios, sparsity, quantization scales' tensor names...).</param>
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
    public const string FormatName = "apc-checkpoint";
    public const int FormatVersion = 1;

    public ModelConfig ModelConfig => new(ArchSpec.Parse(Arch), InChannels, NumClasses, ImageSize);

    public static JsonObject MakeProvenance(string command, int seed, JsonNode? config) => new()
    {
        ["command"] = command,
        ["tool_version"] = ToolVersion.Text,
        ["created_utc"] = DateTime.UtcNow.ToString("O"),
        ["seed"] = seed,
        ["config"] = config,
    };
}
