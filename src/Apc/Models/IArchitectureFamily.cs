namespace Apc.Models;

/// <summary>Everything apc needs to know about one family of networks (VGG, ResNet, or one added by user code through
/// <see cref="ArchitectureFamilies.Register"/>; docs/extending.md, "An architecture family"): how its specs are
/// written, how a network is built, and how its widths are listed for structured pruning. The members that only
/// structured pruning uses have defaults that refuse with a one-line <see cref="UsageException"/>, so a family that
/// is never pruned implements five members.</summary>
public interface IArchitectureFamily
{
    /// <summary>The family name stored in <see cref="ArchSpec.Family"/> ("vgg", "resnet"); the registry key.</summary>
    string Name { get; }

    /// <summary>The spec heads this family accepts, canonical first for each depth, as listed in help and errors
    /// (e.g. vgg11-bn, vgg16-bn, resnet18).</summary>
    IReadOnlyList<string> Heads { get; }

    /// <summary>The spec a head stands for (<see cref="ArchSpec.Width"/> 1, no explicit channels), or null when the head
    /// (lower case, e.g. "vgg16" or "vgg16-bn") is not one of this family's.</summary>
    ArchSpec? ParseHead(string head);

    /// <summary>The canonical head of <paramref name="spec"/> (what <see cref="ArchSpec.ToString"/> starts with).</summary>
    string Head(ArchSpec spec);

    /// <summary>Throws a one-line <see cref="UsageException"/> when <paramref name="spec"/>'s options do not fit the
    /// family (an explicit channel list of the wrong shape, skip-pools where there are no pools); <paramref name="text"/>
    /// is the spec as the user wrote it, for the message.</summary>
    void Validate(ArchSpec spec, string text);

    /// <summary>Builds the network of <paramref name="config"/> (fresh weights from torch's current seed).</summary>
    ClassifierNet Create(ModelConfig config);

    /// <summary>The architecture's widths as an explicit list (the list <see cref="ArchSpec.Channels"/> holds), for
    /// structured pruning.</summary>
    int[] Widths(ArchSpec spec) =>
        throw new UsageException($"structured pruning does not know architecture family '{Name}'.");

    /// <summary>Where each prunable conv's width sits in <see cref="Widths"/>: <paramref name="prunable"/> are the
    /// canonical names of the model's prunable convs, in network order.</summary>
    int[] WidthIndices(ClassifierNet model, IReadOnlyList<string> prunable) =>
        throw new UsageException($"structured pruning does not know architecture family '{Name}'.");

    /// <summary>The spec of <paramref name="source"/> with the explicit widths <paramref name="widths"/> (a pruned network).</summary>
    ArchSpec WithWidths(ArchSpec source, int[] widths) => source with { Channels = widths };

    /// <summary>The convs (canonical names, network order) the "reference" pruning preset prunes, chosen from
    /// <paramref name="prunable"/> (method.md §3.3).</summary>
    IReadOnlyList<string> ReferencePreset(ClassifierNet model, IReadOnlyList<string> prunable) =>
        throw new UsageException($"--preset reference is not defined for architecture family '{Name}'.");
}
