using Apc.Models;

namespace Apc.Compression.Pruning;

/// <summary>Named choices of which convs to prune.</summary>
public static class PruningPresets
{
    public const string Reference = "reference";
    public static IReadOnlyList<string> Names { get; } = new[] { Reference };

    /// <summary>The convs a preset prunes (canonical names, network order).
    /// reference (method.md §3): VGG16's conv1_1 and conv4_1…conv5_3; for any VGG depth, the first conv and every
    /// conv of the last two stages. For ResNet-18, whose stem is tied to the first stage by residual additions, the
    /// prunable convs of the last two stages (layer3, layer4: each block's first conv).</summary>
    public static IReadOnlyList<string> Layers(string preset, ClassifierNet model, IReadOnlyList<ChannelGroup> groups)
    {
        if (!preset.Equals(Reference, StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--preset '{preset}': unknown preset; valid: {string.Join(", ", Names)}.");
        switch (model.Arch.Family)
        {
            case "vgg":
            {
                // Stages of the reference configuration, not counted from the pools built (skip-pools leaves some out).
                var widths = Vgg.Widths(model.Arch);
                var stageOfEntry = Vgg.Stages(widths);
                var convStages = Enumerable.Range(0, widths.Length).Where(i => widths[i] != ArchSpec.Pool).Select(i => stageOfEntry[i]).ToList();
                var convs = model.AllNodes().Where(n => n.Kind == LayerKind.Conv).Select(n => n.Name).ToList();
                var stageOf = convs.Select((name, i) => (Name: name, Stage: convStages[i])).ToDictionary(p => p.Name, p => p.Stage);
                return groups.Where((g, i) => i == 0 || stageOf[g.Conv] >= ArchSpec.VggStages - 1).Select(g => g.Conv).ToList();
            }
            case "resnet":
                return groups.Where(g => g.Conv.StartsWith("layer3.", StringComparison.Ordinal) || g.Conv.StartsWith("layer4.", StringComparison.Ordinal))
                             .Select(g => g.Conv).ToList();
            default:
                throw new UsageException($"--preset {preset} is not defined for architecture family '{model.Arch.Family}'.");
        }
    }
}
