using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Compression.BlockSparse;

/// <summary>The two forms of a block-sparse network and the way from one to the other. Masked form: the dense network
/// with every block-sparse conv's weight masked to its permuted block diagonal (<see cref="Masks"/>), which is what
/// trains. Grouped form: the network of the spec with <see cref="ArchSpec.Blocks"/>, where each such conv is a channel
/// gather, a grouped conv and a channel scatter, with fewer parameters and MACs (<see cref="Apply"/>). Both compute the
/// same function: the grouped weight is the masked weight's diagonal blocks, and the batch norm after the conv holds its
/// channels in the grouped order.</summary>
public static class BlockSurgery
{
    /// <summary>One block-sparse conv of a dense network: its node, the batch norm right after it (if any) and its layout.</summary>
    public sealed record Layer(LayerNode Conv, LayerNode? Norm, BlockLayout Layout);

    /// <summary>The convs of the dense network <paramref name="dense"/> that <paramref name="grouped"/> (its spec with
    /// blocks) makes block-sparse, in network order.</summary>
    public static IReadOnlyList<Layer> Layers(ClassifierNet dense, ArchSpec grouped)
    {
        var nodes = dense.AllNodes().ToList();
        var convs = nodes.OfType<LayerNode>().Where(n => n.Kind == LayerKind.Conv).ToList();
        if (grouped.Blocks is null || grouped.Blocks.Length != convs.Count)
            throw new ArgumentException($"{grouped} does not give blocks for the {convs.Count} convs of {dense.Arch}.", nameof(grouped));
        var layers = new List<Layer>();
        for (int i = 0; i < convs.Count; i++)
        {
            var weight = ((TorchSharp.Modules.Conv2d)convs[i].Module).weight!;
            if (((TorchSharp.Modules.Conv2d)convs[i].Module).groups != 1)
                throw new ApcException($"{convs[i].Alias ?? convs[i].Name} of {dense.Arch} is already grouped; block-sparse surgery needs a dense network.");
            var layout = BlockLayout.Of(grouped, i, (int)weight.shape[1], (int)weight.shape[0], convs[i].Alias ?? convs[i].Name);
            if (layout is null) continue;
            int at = nodes.IndexOf(convs[i]);
            var norm = at + 1 < nodes.Count && nodes[at + 1] is LayerNode { Kind: LayerKind.BatchNorm } bn ? bn : null;
            layers.Add(new Layer(convs[i], norm, layout));
        }
        return layers;
    }

    /// <summary>The masks of the masked form (parameter name → bool, true = kept), owned by the caller.</summary>
    public static Dictionary<string, Tensor> Masks(ClassifierNet dense, ArchSpec grouped) =>
        Layers(dense, grouped).ToDictionary(l => l.Conv.Name + ".weight",
            l => l.Layout.Mask(((TorchSharp.Modules.Conv2d)l.Conv.Module).weight!.shape));

    /// <summary>A new network of <paramref name="grouped"/> (the dense network's configuration with blocks) computing what
    /// the masked <paramref name="dense"/> computes, on its device, in its dtype and train/eval mode. Weights off the
    /// block diagonal are dropped, so mask first. The caller owns the result.</summary>
    public static ClassifierNet Apply(ClassifierNet dense, ArchSpec grouped)
    {
        var layers = Layers(dense, grouped);
        var transforms = new Dictionary<string, Func<Tensor, Tensor>>();
        foreach (var layer in layers)
        {
            transforms[layer.Conv.Name + ".weight"] = layer.Layout.Grouped;
            transforms[layer.Conv.Name + ".bias"] = layer.Layout.PermuteOutputs;
            if (layer.Norm is not null)
                foreach (var part in new[] { "weight", "bias", "running_mean", "running_var" })
                    transforms[$"{layer.Norm.Name}.{part}"] = layer.Layout.PermuteOutputs;
        }
        var first = dense.parameters().First();
        var result = ModelFactory.Create(dense.Config with { Arch = grouped });
        try
        {
            result.to(first.dtype).to(first.device);
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                var target = result.state_dict();
                var source = dense.state_dict();
                foreach (var (key, value) in source)
                {
                    if (!target.TryGetValue(key, out var slot))
                        throw new InvalidOperationException($"{grouped} has no state entry '{key}' of {dense.Arch}.");
                    slot.copy_(transforms.TryGetValue(key, out var transform) ? transform(value) : value);
                }
            }
            result.train(dense.training);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }
}
