namespace Apc.Models;

/// <summary>VGG with batch norm, depths 11, 13, 16 and 19 (<see cref="Vgg"/>): heads vgg16-bn (or vgg16), options
/// w, channels (the feature configuration with M for a pool) and skip-pools.</summary>
public sealed class VggFamily : IArchitectureFamily
{
    static readonly int[] Depths = { 11, 13, 16, 19 };

    /// <inheritdoc/>
    public string Name => "vgg";

    /// <inheritdoc/>
    public IReadOnlyList<string> Heads { get; } = Depths.Select(d => $"vgg{d}-bn").ToArray();

    /// <inheritdoc/>
    public ArchSpec? ParseHead(string head)
    {
        foreach (var d in Depths)
            if (head == $"vgg{d}-bn" || head == $"vgg{d}") return new ArchSpec(Name, d);
        return null;
    }

    /// <inheritdoc/>
    public string Head(ArchSpec spec) => $"vgg{spec.Depth}-bn";

    /// <inheritdoc/>
    public void Validate(ArchSpec spec, string text)
    {
        var convs = (spec.Channels ?? Vgg.Configuration(spec.Depth)).Count(c => c != ArchSpec.Pool);
        if (spec.Blocks is not null && spec.Blocks.Length != convs)
            throw new UsageException($"architecture '{text}': blocks needs one number per conv ({convs} for vgg{spec.Depth}, 1 = dense), got {spec.Blocks.Length}.");
        if (spec.Channels is null) return;
        var reference = Vgg.Configuration(spec.Depth);
        if (spec.Channels.Length != reference.Length || spec.Channels.Where((c, i) => (c == ArchSpec.Pool) != (reference[i] == ArchSpec.Pool)).Any())
            throw new UsageException(
                $"architecture '{text}': vgg{spec.Depth} channel list must follow {string.Join(',', reference.Select(c => c == ArchSpec.Pool ? "M" : "c"))}.");
    }

    /// <inheritdoc/>
    public ClassifierNet Create(ModelConfig config) => new Vgg(config);

    /// <summary>The per-layer list with -1 for pools (<see cref="Vgg.Widths"/>).</summary>
    public int[] Widths(ArchSpec spec) => Vgg.Widths(spec);

    /// <summary>The list names every conv in order (pools as -1), and every VGG conv is prunable.</summary>
    public int[] WidthIndices(ClassifierNet model, IReadOnlyList<string> prunable)
    {
        var widths = Vgg.Widths(model.Arch);
        var positions = Enumerable.Range(0, widths.Length).Where(i => widths[i] != ArchSpec.Pool).ToList();
        var convs = model.AllNodes().Where(n => n.Kind == LayerKind.Conv).Select(n => n.Name).ToList();
        return prunable.Select(name => positions[convs.IndexOf(name)]).ToArray();
    }

    /// <summary>The explicit list replaces the multiplier, which is then redundant.</summary>
    public ArchSpec WithWidths(ArchSpec source, int[] widths) => source with { Width = 1.0, Channels = widths };

    /// <summary>VGG16's conv1_1 and conv4_1…conv5_3; for any depth, the first conv and every conv of the last two
    /// stages. Stages are those of the reference configuration, not counted from the pools built (skip-pools).</summary>
    public IReadOnlyList<string> ReferencePreset(ClassifierNet model, IReadOnlyList<string> prunable)
    {
        var widths = Vgg.Widths(model.Arch);
        var stageOfEntry = Vgg.Stages(widths);
        var convStages = Enumerable.Range(0, widths.Length).Where(i => widths[i] != ArchSpec.Pool).Select(i => stageOfEntry[i]).ToList();
        var convs = model.AllNodes().Where(n => n.Kind == LayerKind.Conv).Select(n => n.Name).ToList();
        var stageOf = convs.Select((name, i) => (Name: name, Stage: convStages[i])).ToDictionary(p => p.Name, p => p.Stage);
        return prunable.Where((conv, i) => i == 0 || stageOf[conv] >= ArchSpec.VggStages - 1).ToList();
    }
}
