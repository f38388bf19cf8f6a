using System.Text.Json.Nodes;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Compression.KernelQuantization;

/// <summary>The kernel codebooks of a network being kernel-quantized, and the network's conv weights kept equal to them.
/// Built by per-layer k-means over the kernels (<see cref="KernelKMeans"/>); from then on every quantized conv weight holds
/// fq(C)[index] (<see cref="KernelCodebook"/>), so every forward, validation and checkpoint sees the quantized network.
/// After each optimizer step <see cref="AfterStep"/> moves each codebook entry by the mean of the steps its kernels took
/// (<see cref="KernelCodebook.Step"/>) and writes the weights again (straight-through, as <see cref="Quantization.MasterWeights"/> does for per-weight quantization).
/// Assignments stay fixed after k-means.</summary>
/// <remarks>Checkpoint tensors, per quantized conv weight P: "kq/P.codebook" (int8 levels [K, k_h, k_w]), "kq/P.scale"
/// (float32 [1]) and "kq/P.index" (uint8 [O, I]); W = codebook·scale gathered by index (<see cref="Rebuild"/>). Training
/// state adds "kq/P.master" (the float codebook before its grid).</remarks>
public sealed class KernelCodebooks : IDisposable
{
    /// <summary>The name prefix of kernel-quantization tensors in checkpoints.</summary>
    public const string Prefix = "kq/";
    const string CodebookSuffix = ".codebook", ScaleSuffix = ".scale", IndexSuffix = ".index", MasterSuffix = ".master";

    readonly ClassifierNet model;
    readonly List<KernelCodebook> layers = new();

    /// <summary>Clusters the kernels of every conv <paramref name="options"/> selects in <paramref name="model"/> and puts
    /// the weights on their codebooks.</summary>
    public KernelCodebooks(ClassifierNet model, KernelQuantizationOptions options)
    {
        this.model = model;
        Options = options.Validated();
        var device = model.parameters().First().device;
        try
        {
            foreach (var (conv, bits) in options.Layers(model))
            {
                using var scope = NewDisposeScope();
                var weight = Weight(conv.Name + ".weight");
                var shape = weight.shape;
                var kernels = weight.detach().reshape(shape[0] * shape[1], shape[2] * shape[3]);
                using var fit = KernelKMeans.Fit(kernels, 1 << bits, options.Iterations, options.Seed);
                double total = kernels.to(float64).pow(2).sum().item<double>();
                double relative = total > 0 ? fit.Error / total : 0;
                layers.Add(new KernelCodebook(conv, shape, fit.Centres, fit.Assignments, bits, options.CodebookBits, fit.Iterations, relative, device));
            }
            WriteWeights();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The checked options.</summary>
    public KernelQuantizationOptions Options { get; }
    /// <summary>The quantized convs, in network order.</summary>
    public IReadOnlyList<KernelCodebook> Layers => layers;

    /// <summary>Call after every optimizer step (the trainer's AfterStep hook).</summary>
    public void AfterStep()
    {
        foreach (var layer in layers) layer.Step(Weight(layer.Parameter));
        WriteWeights();
    }

    /// <summary>Sets every quantized conv weight to fq(C)[index].</summary>
    public void WriteWeights()
    {
        using var _ = no_grad();
        foreach (var layer in layers)
        {
            var weight = Weight(layer.Parameter);
            layer.Follow(weight.device);
            using var value = layer.Weight();
            weight.copy_(value);
        }
    }

    /// <summary>The checkpoint tensors of the codebooks as they are now (new tensors, owned by the caller).</summary>
    public Dictionary<string, Tensor> QuantizedTensors()
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var layer in layers)
        {
            var (levels, scale) = layer.Quantized();
            tensors[CodebookKey(layer.Parameter)] = levels.reshape(layer.Entries, layer.Shape[2], layer.Shape[3]).cpu().DetachFromDisposeScope();
            levels.Dispose();
            tensors[ScaleKey(layer.Parameter)] = scale.cpu().DetachFromDisposeScope();
            scale.Dispose();
            tensors[IndexKey(layer.Parameter)] = layer.Index.reshape(layer.Shape[0], layer.Shape[1]).to(ScalarType.Byte).cpu().DetachFromDisposeScope();
        }
        return tensors;
    }

    /// <summary>The float masters, for resuming ("kq/P.master"). Live tensors: do not dispose.</summary>
    public Dictionary<string, Tensor> StateTensors() => layers.ToDictionary(l => Prefix + l.Parameter + MasterSuffix, l => l.Master);

    /// <summary>Restores the masters and indices saved by <see cref="StateTensors"/> and <see cref="QuantizedTensors"/>
    /// and writes the weights.</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        foreach (var layer in layers)
        {
            if (!tensors.TryGetValue(Prefix + layer.Parameter + MasterSuffix, out var master)
                || !tensors.TryGetValue(IndexKey(layer.Parameter), out var index))
                throw new ApcException($"{source}: no saved codebook for '{layer.Parameter}'; cannot resume kernel quantization.");
            layer.Load(master, index, source);
        }
        WriteWeights();
    }

    /// <summary>The checkpoint name of a weight's codebook levels.</summary>
    public static string CodebookKey(string parameter) => Prefix + parameter + CodebookSuffix;
    /// <summary>The checkpoint name of a weight's codebook scale.</summary>
    public static string ScaleKey(string parameter) => Prefix + parameter + ScaleSuffix;
    /// <summary>The checkpoint name of a weight's kernel indices.</summary>
    public static string IndexKey(string parameter) => Prefix + parameter + IndexSuffix;

    /// <summary>True for the tensors a finished checkpoint keeps (codebooks, scales, indices; not the masters).</summary>
    public static bool IsStored(string key) => key.StartsWith(Prefix, StringComparison.Ordinal) && !key.EndsWith(MasterSuffix, StringComparison.Ordinal);

    /// <summary>The weights the stored codebooks of <paramref name="extra"/> describe, by parameter name: codebook·scale
    /// gathered by index, float32 [O, I, k_h, k_w] on the CPU (new tensors, owned by the caller).</summary>
    public static Dictionary<string, Tensor> Rebuild(IReadOnlyDictionary<string, Tensor> extra)
    {
        var weights = new Dictionary<string, Tensor>();
        foreach (var key in extra.Keys.Where(k => k.StartsWith(Prefix, StringComparison.Ordinal) && k.EndsWith(CodebookSuffix, StringComparison.Ordinal)))
        {
            var parameter = key[Prefix.Length..^CodebookSuffix.Length];
            using var scope = NewDisposeScope();
            var levels = extra[key].cpu();
            var codebook = KernelCodebook.Dequantize(levels.reshape(levels.shape[0], -1), extra[ScaleKey(parameter)].cpu());
            var index = extra[IndexKey(parameter)].cpu();
            weights[parameter] = codebook.index(index.to(int64).flatten())
                .reshape(index.shape[0], index.shape[1], levels.shape[1], levels.shape[2]).MoveToOuterDisposeScope();
        }
        return weights;
    }

    /// <summary>The facts of the quantization (per layer and for the network): what apc info and metrics.json show.</summary>
    public JsonObject Describe()
    {
        var list = new JsonArray();
        long quantizedWeights = 0, bits = 0;
        foreach (var l in layers)
        {
            list.Add(new JsonObject
            {
                ["layer"] = l.Conv.Name,
                ["alias"] = l.Conv.Alias,
                ["kernel"] = $"{l.Shape[2]}x{l.Shape[3]}",
                ["kernels"] = l.Kernels,
                ["codebook_size"] = l.Entries,
                ["index_bits"] = l.IndexBits,
                ["weights"] = l.Kernels * l.KernelSize,
                ["bits"] = l.Bits(),
                ["bits_per_weight"] = l.BitsPerWeight,
                ["kmeans_iterations"] = l.KMeansIterations,
                ["kmeans_relative_error"] = l.RelativeError,
            });
            quantizedWeights += l.Kernels * l.KernelSize;
            bits += l.Bits();
        }
        var quantized = layers.Select(l => l.Parameter).ToHashSet();
        var convWeights = model.AllNodes().OfType<LayerNode>().Where(n => n.Kind == LayerKind.Conv)
            .Select(n => n.Name + ".weight").ToHashSet();
        long floatConvWeights = model.named_parameters().Where(p => convWeights.Contains(p.name) && !quantized.Contains(p.name)).Sum(p => p.parameter.numel());
        long floatParameters = model.named_parameters().Where(p => !convWeights.Contains(p.name)).Sum(p => p.parameter.numel());
        long totalParameters = model.ParameterCount();
        long totalBits = bits + 32 * (floatConvWeights + floatParameters);
        return new JsonObject
        {
            ["method"] = KernelQuantizationStage.Kind,
            ["index_bits"] = Options.IndexBits,
            ["codebook_size"] = 1 << Options.IndexBits,
            ["layer_index_bits"] = Options.PerLayer is null ? null
                : new JsonObject(Options.PerLayer.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["codebook_bits"] = Options.CodebookBits,
            ["kmeans_iterations"] = Options.Iterations,
            ["kmeans_seed"] = Options.Seed,
            ["assignments"] = "fixed after k-means",
            ["quantized_convs"] = layers.Count,
            ["quantized_conv_weights"] = quantizedWeights,
            ["quantized_conv_bits"] = bits,
            ["bits_per_conv_parameter"] = quantizedWeights == 0 ? null : (double)bits / quantizedWeights,
            ["float_conv_weights"] = floatConvWeights,
            ["bits_per_conv_parameter_all_convs"] = quantizedWeights + floatConvWeights == 0 ? null
                : (double)(bits + 32L * floatConvWeights) / (quantizedWeights + floatConvWeights),
            ["float_parameters"] = floatParameters,
            ["packed_size_bytes"] = (totalBits + 7) / 8,
            ["float_size_bytes"] = 4 * totalParameters,
            ["compression_ratio"] = 32.0 * totalParameters / totalBits,
            ["layers"] = list,
            ["tensors"] = "kq/<param>.codebook (int8 levels), kq/<param>.scale (float32), kq/<param>.index (uint8)",
        };
    }

    Tensor Weight(string name) => model.named_parameters().First(p => p.name == name).parameter;

    /// <summary>Releases the codebooks; safe to call twice.</summary>
    public void Dispose()
    {
        foreach (var layer in layers) layer.Dispose();
        layers.Clear();
    }
}
