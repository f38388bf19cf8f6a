namespace Apc.Models;

/// <summary>ResNet-18 with basic blocks (<see cref="ResNet"/>): head resnet18, options w and channels (the stem width
/// then the 8 blocks' inner widths).</summary>
public sealed class ResNetFamily : IArchitectureFamily
{
    /// <inheritdoc/>
    public string Name => "resnet";

    /// <inheritdoc/>
    public IReadOnlyList<string> Heads { get; } = new[] { "resnet18" };

    /// <inheritdoc/>
    public ArchSpec? ParseHead(string head) => head == "resnet18" ? new ArchSpec(Name, 18) : null;

    /// <inheritdoc/>
    public string Head(ArchSpec spec) => $"resnet{spec.Depth}";

    /// <inheritdoc/>
    public void Validate(ArchSpec spec, string text)
    {
        if (spec.SkipPools is not null)
            throw new UsageException($"architecture '{text}': skip-pools applies to VGG only (resnet{spec.Depth} has no stage max-pools to leave out).");
        if (spec.Blocks is not null)
            throw new UsageException($"architecture '{text}': blocks (block-sparse convs) applies to VGG only; resnet{spec.Depth} cannot be built grouped yet.");
        if (spec.Channels is not null && (spec.Channels.Length != 1 + 8 || spec.Channels.Contains(ArchSpec.Pool)))
            throw new UsageException($"architecture '{text}': resnet18 widths are the stem width then 8 block widths (9 numbers).");
    }

    /// <inheritdoc/>
    public ClassifierNet Create(ModelConfig config) => new ResNet(config);

    /// <summary>The stem width followed by the 8 block inner widths (<see cref="ResNet.Widths"/>).</summary>
    public int[] Widths(ArchSpec spec) => ResNet.Widths(spec);

    /// <summary>Stem width first, then each block's inner width in order; the prunable convs are exactly the blocks'
    /// first convs, in that order.</summary>
    public int[] WidthIndices(ClassifierNet model, IReadOnlyList<string> prunable)
    {
        if (prunable.Count != 8)
            throw new InvalidOperationException($"{model.Arch}: expected 8 prunable block convs, found {prunable.Count}.");
        return Enumerable.Range(1, prunable.Count).ToArray();
    }

    /// <summary>The multiplier is kept beside the explicit list: the residual stage widths come from it.</summary>
    public ArchSpec WithWidths(ArchSpec source, int[] widths) => source with { Channels = widths };

    /// <summary>The stem is tied to the first stage by residual additions, so the preset prunes the prunable convs of
    /// the last two stages (layer3, layer4: each block's first conv).</summary>
    public IReadOnlyList<string> ReferencePreset(ClassifierNet model, IReadOnlyList<string> prunable) =>
        prunable.Where(c => c.StartsWith("layer3.", StringComparison.Ordinal) || c.StartsWith("layer4.", StringComparison.Ordinal)).ToList();
}
