using Apc.Models;

namespace Apc.Compression.Pruning;

/// <summary>Named choices of which convs to prune.</summary>
public static class PruningPresets
{
    /// <summary>The reference's choice of layers (method.md §3.3).</summary>
    public const string Reference = "reference";
    /// <summary>The valid preset names.</summary>
    public static IReadOnlyList<string> Names { get; } = new[] { Reference };

    /// <summary>The convs a preset prunes (canonical names, network order).
    /// reference (method.md §3): VGG16's conv1_1 and conv4_1…conv5_3; for any VGG depth, the first conv and every
    /// conv of the last two stages. For ResNet-18, whose stem is tied to the first stage by residual additions, the
    /// prunable convs of the last two stages (layer3, layer4: each block's first conv).</summary>
    public static IReadOnlyList<string> Layers(string preset, ClassifierNet model, IReadOnlyList<ChannelGroup> groups)
    {
        if (!preset.Equals(Reference, StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--preset '{preset}': unknown preset; valid: {string.Join(", ", Names)}.");
        var chosen = ArchitectureFamilies.Get(model.Arch.Family).ReferencePreset(model, groups.Select(g => g.Conv).ToList()).ToHashSet();
        return groups.Where(g => chosen.Contains(g.Conv)).Select(g => g.Conv).ToList();
    }
}
