using System.Globalization;
using Apc.Models;

namespace Apc.Compression.KernelQuantization;

/// <summary>Settings of <see cref="KernelQuantizationStage"/>: each quantized conv learns a codebook of 2^b kernels
/// (b = <paramref name="IndexBits"/>) and stores one b-bit index per kernel; the codebook's values are on a grid of
/// <paramref name="CodebookBits"/> bits. Every conv whose kernels have more than one weight (k×k &gt; 1) is quantized,
/// the first conv included; 1×1 convs (ResNet's projection shortcuts) stay float, since a 1×1 kernel is a single weight
/// and a codebook of them would be plain weight clustering. <paramref name="PerLayer"/> sets or overrides single convs
/// (0 = leave that conv float).</summary>
/// <param name="IndexBits">--index-bits b: index bits per kernel, 1..8; a layer's codebook has 2^b kernels (fewer when
/// the layer has fewer kernels).</param>
/// <param name="PerLayer">--layer-index-bits: conv name or alias → index bits (0..8; 0 = float), e.g. conv1_1=0.</param>
/// <param name="CodebookBits">--codebook-bits: bits of the codebook's values, 2..8 (the paper's 6): one symmetric grid per
/// layer, scale = max|codebook| / (2^(bits−1) − 1).</param>
/// <param name="Iterations">--kmeans-iterations: the most Lloyd iterations of the per-layer k-means (it stops earlier
/// when no assignment changes).</param>
/// <param name="Seed">The seed of the k-means++ initialisation (the run's --seed).</param>
public sealed record KernelQuantizationOptions(int IndexBits = 4, IReadOnlyDictionary<string, int>? PerLayer = null,
    int CodebookBits = 6, int Iterations = 30, int Seed = 0)
{
    /// <summary>The largest index bits (a byte per index as stored; 256 kernels per codebook).</summary>
    public const int MaxIndexBits = 8;
    /// <summary>The codebook grid's bit range (that of <see cref="Quantization.WeightQuantizer"/>).</summary>
    public const int MinCodebookBits = 2, MaxCodebookBits = 8;

    /// <summary>Throws a one-line <see cref="UsageException"/> naming the first bad setting; returns the options.</summary>
    public KernelQuantizationOptions Validated()
    {
        if (IndexBits is < 1 or > MaxIndexBits)
            throw new UsageException($"--index-bits must be between 1 and {MaxIndexBits} (got {IndexBits}); a layer's codebook holds 2^bits kernels.");
        if (PerLayer is not null)
            foreach (var (layer, bits) in PerLayer)
                if (bits is < 0 or > MaxIndexBits)
                    throw new UsageException($"--layer-index-bits {layer}={bits}: index bits must be between 0 (float) and {MaxIndexBits}.");
        if (CodebookBits is < MinCodebookBits or > MaxCodebookBits)
            throw new UsageException($"--codebook-bits must be between {MinCodebookBits} and {MaxCodebookBits} (got {CodebookBits}).");
        if (Iterations < 1) throw new UsageException($"--kmeans-iterations must be at least 1 (got {Iterations}).");
        if (Seed < 0) throw new UsageException($"--seed must be non-negative (got {Seed}).");
        return this;
    }

    /// <summary>The convs of <paramref name="model"/> that are quantized, in network order, with their index bits. A
    /// per-layer name that is not a conv, or names a 1×1 conv with bits above 0, is a <see cref="UsageException"/>.</summary>
    public IReadOnlyList<(LayerNode Conv, int IndexBits)> Layers(ClassifierNet model)
    {
        Validated();
        var convs = model.AllNodes().OfType<LayerNode>().Where(n => n.Kind == LayerKind.Conv).ToList();
        var bits = convs.ToDictionary(c => c.Name, c => KernelSize(c) > 1 ? IndexBits : 0);
        if (PerLayer is not null)
            foreach (var (layer, count) in PerLayer)
            {
                var name = model.ResolveLayer(layer);
                var conv = convs.FirstOrDefault(c => c.Name == name)
                    ?? throw new UsageException($"--layer-index-bits {layer}: not a conv of {model.Arch}.");
                if (count > 0 && KernelSize(conv) == 1)
                    throw new UsageException($"--layer-index-bits {layer}={count}: {layer} has 1×1 kernels; kernel quantization needs k×k > 1 (1×1 convs stay float).");
                bits[name] = count;
            }
        return convs.Where(c => bits[c.Name] > 0).Select(c => (c, bits[c.Name])).ToList();
    }

    /// <summary>Weights per kernel, k_h·k_w, of a conv node.</summary>
    public static long KernelSize(LayerNode conv)
    {
        var shape = ((TorchSharp.Modules.Conv2d)conv.Module).weight!.shape;
        return shape[2] * shape[3];
    }

    /// <summary>Parses --layer-index-bits text: "conv1_1=0,conv5_3=6".</summary>
    public static IReadOnlyDictionary<string, int> ParseLayerIndexBits(string text)
    {
        var result = new Dictionary<string, int>();
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = item.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length != 2 || kv[0].Length == 0 || !int.TryParse(kv[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var bits))
                throw new UsageException($"--layer-index-bits: '{item}' is not layer=bits (e.g. conv1_1=0).");
            if (bits is < 0 or > MaxIndexBits)
                throw new UsageException($"--layer-index-bits {kv[0]}={bits}: index bits must be between 0 (float) and {MaxIndexBits}.");
            result[kv[0]] = bits;
        }
        if (result.Count == 0) throw new UsageException("--layer-index-bits: no layer=bits entries.");
        return result;
    }
}
