using System.Globalization;
using Apc.Models;

namespace Apc.Compression.BlockSparse;

/// <summary>Settings of <see cref="BlockSparseStage"/>: how many diagonal blocks each conv's weight keeps in its permuted
/// basis. Every conv but the first gets <paramref name="Blocks"/> (the first reads the image, whose one or three channels
/// rarely split); <paramref name="PerLayer"/> sets or overrides single convs, the first included (1 = leave it dense).</summary>
/// <param name="Blocks">--blocks G: blocks (groups) of every conv but the first; at least 2. A conv keeps 1/G of its weights.</param>
/// <param name="PerLayer">--layer-blocks: conv name or alias → blocks (e.g. conv1_1=1,conv5_3=8); at least 1.</param>
/// <param name="Seed">--permutation-seed: the seed of the channel permutations (stored in the architecture spec).</param>
public sealed record BlockSparseOptions(int Blocks = 4, IReadOnlyDictionary<string, int>? PerLayer = null, int Seed = 0)
{
    /// <summary>Throws a one-line <see cref="UsageException"/> naming the first bad setting; returns the options.</summary>
    public BlockSparseOptions Validated()
    {
        if (Blocks < 2) throw new UsageException($"--blocks must be at least 2 (got {Blocks}); 1 block would leave every conv dense.");
        if (PerLayer is not null)
            foreach (var (layer, blocks) in PerLayer)
                if (blocks < 1) throw new UsageException($"--layer-blocks {layer}={blocks}: blocks must be at least 1 (1 = dense).");
        if (Seed < 0) throw new UsageException($"--permutation-seed must be non-negative (got {Seed}).");
        return this;
    }

    /// <summary>The blocks of every conv of <paramref name="model"/> in network order (what <see cref="ArchSpec.Blocks"/>
    /// holds). A layer name that is not a conv, or a count that does not divide a conv's input and output channels, is a
    /// <see cref="UsageException"/> naming the conv.</summary>
    public int[] LayerBlocks(ClassifierNet model)
    {
        Validated();
        var convs = model.AllNodes().OfType<LayerNode>().Where(n => n.Kind == LayerKind.Conv).ToList();
        var blocks = convs.Select((_, i) => i == 0 ? 1 : Blocks).ToArray();
        if (PerLayer is not null)
            foreach (var (layer, count) in PerLayer)
            {
                var name = model.ResolveLayer(layer);
                int index = convs.FindIndex(c => c.Name == name);
                if (index < 0) throw new UsageException($"--layer-blocks {layer}: not a conv of {model.Arch}.");
                blocks[index] = count;
            }
        for (int i = 0; i < convs.Count; i++)
        {
            var weight = ((TorchSharp.Modules.Conv2d)convs[i].Module).weight!;
            long outChannels = weight.shape[0], inChannels = weight.shape[1];
            if (inChannels % blocks[i] != 0 || outChannels % blocks[i] != 0)
                throw new UsageException($"{convs[i].Alias ?? convs[i].Name} has {inChannels} input and {outChannels} output channels; " +
                    $"{blocks[i]} blocks must divide both (set it per layer with --layer-blocks {convs[i].Alias ?? convs[i].Name}=N).");
        }
        return blocks;
    }

    /// <summary>Parses --layer-blocks text: "conv1_1=1,conv5_3=8".</summary>
    public static IReadOnlyDictionary<string, int> ParseLayerBlocks(string text)
    {
        var result = new Dictionary<string, int>();
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = item.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length != 2 || kv[0].Length == 0 || !int.TryParse(kv[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var blocks))
                throw new UsageException($"--layer-blocks: '{item}' is not layer=blocks (e.g. conv5_3=8).");
            if (blocks < 1) throw new UsageException($"--layer-blocks {kv[0]}={blocks}: blocks must be at least 1 (1 = dense).");
            result[kv[0]] = blocks;
        }
        if (result.Count == 0) throw new UsageException("--layer-blocks: no layer=blocks entries.");
        return result;
    }
}
