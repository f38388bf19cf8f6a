using Apc.Models;

namespace Apc.Compression.Pruning;

/// <summary>The one dependency description that plans, criteria and surgery share: which channels of a network
/// can be removed, and which tensors each removal touches. Derived from the model's node list, not hard-coded
/// per architecture.
///
/// Rule: a conv's output channels form a prunable group when, inside the same sequence of nodes, they pass only
/// through channel-wise nodes (batch norm, ReLU, pooling, dropout, flatten) and reach exactly one consumer, a conv
/// or a linear layer. Channels that flow into a residual addition are tied to the other branch of that addition
/// (and through it to every block of the stage), so they are left alone: for ResNet-18 that is the stem, every
/// block's second conv and the downsample projections; only each basic block's inner width (conv1 → bn1 → conv2)
/// is pruned. For VGG every conv is prunable; the last one's consumer is the first linear layer.</summary>
public static class PruningDependencies
{
    /// <summary>The prunable channel groups of <paramref name="model"/>, in network order.</summary>
    public static IReadOnlyList<ChannelGroup> Groups(ClassifierNet model)
    {
        var found = new List<(string Conv, string? Alias, string? Bn, string Act, int Channels, ChannelConsumer Consumer)>();
        Walk(model.Nodes, found);
        var specIndices = SpecIndices(model, found.Select(f => f.Conv).ToList());
        var widths = ExplicitWidths(model.Arch);
        var groups = new List<ChannelGroup>();
        for (int i = 0; i < found.Count; i++)
        {
            var f = found[i];
            if (widths[specIndices[i]] != f.Channels)
                throw new InvalidOperationException(
                    $"{model.Arch}: channel list entry {specIndices[i]} is {widths[specIndices[i]]} but {f.Conv} has {f.Channels} filters.");
            groups.Add(new ChannelGroup(f.Conv, f.Alias, f.Bn, f.Act, f.Channels, f.Consumer, specIndices[i]));
        }
        return groups;
    }

    /// <summary>The architecture's widths as an explicit list: VGG's per-layer list with -1 for pools; ResNet's
    /// stem width followed by the 8 block inner widths.</summary>
    public static int[] ExplicitWidths(ArchSpec arch) => ArchitectureFamilies.Get(arch.Family).Widths(arch);

    static void Walk(IReadOnlyList<ModelNode> sequence,
        List<(string, string?, string?, string, int, ChannelConsumer)> found)
    {
        for (int i = 0; i < sequence.Count; i++)
        {
            if (sequence[i] is ResidualNode residual)
            {
                Walk(residual.Main, found);
                Walk(residual.Shortcut, found);
                continue;
            }
            if (sequence[i] is not LayerNode { Kind: LayerKind.Conv } conv) continue;
            int channels = (int)((TorchSharp.Modules.Convolution)conv.Module).weight!.shape[0];
            string? bn = null, relu = null;
            bool flattened = false;
            ChannelConsumer? consumer = null;
            for (int j = i + 1; j < sequence.Count && consumer is null; j++)
            {
                // A residual addition (or any node we do not understand) ties the channels: not prunable.
                if (sequence[j] is not LayerNode next) break;
                bool stop = false;
                switch (next.Kind)
                {
                    case LayerKind.BatchNorm when bn is null && relu is null && !flattened:
                        bn = next.Name; break;
                    case LayerKind.ReLU:
                        relu ??= next.Name; break;
                    case LayerKind.MaxPool or LayerKind.AvgPool or LayerKind.Dropout:
                        break;
                    case LayerKind.Flatten:
                        flattened = true; break;
                    case LayerKind.Conv when !flattened:
                        consumer = new ChannelConsumer(next.Name, LayerKind.Conv, 1); break;
                    case LayerKind.Linear:
                        var inputs = ((TorchSharp.Modules.Linear)next.Module).weight!.shape[1];
                        if (inputs % channels == 0 && (flattened || inputs == channels))
                            consumer = new ChannelConsumer(next.Name, LayerKind.Linear, (int)(inputs / channels));
                        else stop = true;
                        break;
                    default:
                        stop = true; break;
                }
                if (stop) break;
            }
            // Reaching the end of a sequence means the output feeds an addition (or is the network's output).
            if (consumer is not null)
                found.Add((conv.Name, conv.Alias, bn, relu ?? bn ?? conv.Name, channels, consumer));
        }
    }

    /// <summary>Where each prunable conv's width sits in the explicit channel list.</summary>
    static int[] SpecIndices(ClassifierNet model, IReadOnlyList<string> prunable) =>
        ArchitectureFamilies.Get(model.Arch.Family).WidthIndices(model, prunable);
}
