using Apc.Checkpoints;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Compression.Quantization;

/// <summary>Quantized networks in checkpoints: the tensor names, weight baking for post-training quantization,
/// re-installing the quantization of a loaded checkpoint, and size estimates.</summary>
/// <remarks>
/// A quantized checkpoint stores its conv and linear weights twice: as ordinary float parameters whose values are
/// exactly levels·scale (so that every component that reads module weights, LRP-style attribution included, sees
/// the quantized network), and as the integers themselves, "quant/&lt;param&gt;.int8" with per-output-channel
/// "quant/&lt;param&gt;.scale". Activation grids are "quant/act/&lt;node&gt;.scale" and ".zero_point" with
/// "quant/activation_bits". Activation quantization is not part of the weights: it must be re-installed after
/// loading with <see cref="Attach(ModelCheckpoint)"/>.
/// </remarks>
public static class QuantizedModel
{
    /// <summary>The name prefix of quantization tensors in checkpoints.</summary>
    public const string Prefix = "quant/";
    const string LevelsSuffix = ".int8", ScalesSuffix = ".scale";

    /// <summary>The checkpoint name of <paramref name="parameter"/>'s integer levels.</summary>
    public static string LevelsKey(string parameter) => Prefix + parameter + LevelsSuffix;
    /// <summary>The checkpoint name of <paramref name="parameter"/>'s scales.</summary>
    public static string ScalesKey(string parameter) => Prefix + parameter + ScalesSuffix;

    /// <summary>True when a checkpoint's extra tensors carry quantization (weights or activation grids).</summary>
    public static bool IsQuantized(IReadOnlyDictionary<string, Tensor> extra) =>
        extra.Keys.Any(k => k.StartsWith(Prefix, StringComparison.Ordinal));

    /// <summary>Post-training weight quantization: moves every conv and linear weight of <paramref name="model"/> to
    /// its nearest grid value, in place, and returns the checkpoint tensors (levels and scales).</summary>
    public static Dictionary<string, Tensor> QuantizeWeights(ClassifierNet model, int bits)
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var tensors = new Dictionary<string, Tensor>();
        using var _ = no_grad();
        foreach (var name in WeightQuantizer.QuantizedParameters(model))
        {
            var (levels, scales) = WeightQuantizer.Quantize(parameters[name], bits);
            using (var values = WeightQuantizer.Dequantize(levels, scales)) parameters[name].copy_(values);
            tensors[LevelsKey(name)] = levels;
            tensors[ScalesKey(name)] = scales;
        }
        return tensors;
    }

    /// <summary>Re-installs the quantization of a loaded checkpoint: sets every quantized weight to levels·scale
    /// from its integer tensors and installs the activation grids as the model's
    /// <see cref="ClassifierNet.ActivationTap"/>, so that the model computes exactly what it computed before it was
    /// saved. Returns false and changes nothing for a checkpoint without quantization (call it on any checkpoint).</summary>
    public static bool Attach(ModelCheckpoint checkpoint) => Attach(checkpoint.Model, checkpoint.Extra, $"checkpoint '{checkpoint.Path}'");

    /// <summary><see cref="Attach(ModelCheckpoint)"/> for a model and the extra tensors stored with it;
    /// <paramref name="source"/> names them in error messages.</summary>
    public static bool Attach(ClassifierNet model, IReadOnlyDictionary<string, Tensor> extra, string source = "checkpoint")
    {
        if (!IsQuantized(extra)) return false;
        var weights = ReadWeights(model, extra, source);
        var grids = ActivationQuantization.FromTensors(extra, source);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using (no_grad())
            foreach (var (name, (levels, scales)) in weights)
                using (var values = WeightQuantizer.Dequantize(levels, scales))
                    parameters[name].copy_(values);
        if (grids.Count > 0) ActivationQuantization.Fixed(model, grids);
        return true;
    }

    static Dictionary<string, (Tensor Levels, Tensor Scales)> ReadWeights(ClassifierNet model, IReadOnlyDictionary<string, Tensor> extra, string source)
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var weights = new Dictionary<string, (Tensor, Tensor)>();
        foreach (var key in extra.Keys.Where(k => k.StartsWith(Prefix, StringComparison.Ordinal) && k.EndsWith(LevelsSuffix, StringComparison.Ordinal)))
        {
            var name = key[Prefix.Length..^LevelsSuffix.Length];
            if (!parameters.TryGetValue(name, out var param))
                throw new ApcException($"{source}: quantized weight '{name}' is not a parameter of {model.Arch}.");
            var levels = extra[key];
            if (!extra.TryGetValue(ScalesKey(name), out var scales))
                throw new ApcException($"{source}: quantized weight '{name}' has no '{ScalesKey(name)}'.");
            if (!levels.shape.SequenceEqual(param.shape) || scales.dim() != 1 || scales.shape[0] != param.shape[0])
                throw new ApcException($"{source}: quantized weight '{name}' has shape [{string.Join(',', levels.shape)}] with " +
                    $"{scales.numel()} scales; the model's parameter is [{string.Join(',', param.shape)}].");
            weights[name] = (levels, scales);
        }
        if (weights.Count > 0)
        {
            var missing = WeightQuantizer.QuantizedParameters(model).FirstOrDefault(p => !weights.ContainsKey(p));
            if (missing is not null) throw new ApcException($"{source}: weight '{missing}' is not quantized while the others are.");
        }
        return weights;
    }

    /// <summary>Storage estimates for <paramref name="model"/> quantized with these bit widths (see <see cref="QuantizedSize"/>).</summary>
    public static QuantizedSize Size(ClassifierNet model, int bits, int activationBits)
    {
        var quantized = WeightQuantizer.QuantizedParameters(model).ToHashSet();
        long weights = 0, int8 = 0, packed = 0, floats = 0;
        foreach (var (name, value) in model.state_dict())
        {
            if (!value.is_floating_point()) continue; // batch-norm step counters are not part of a deployed network
            long bytes = value.numel() * value.ElementSize;
            floats += bytes;
            if (quantized.Contains(name))
            {
                long n = value.numel(), scaleBytes = value.shape[0] * sizeof(float);
                weights += n;
                int8 += n + scaleBytes;
                packed += (n * bits + 7) / 8 + scaleBytes;
            }
            else
            {
                int8 += bytes;
                packed += bytes;
            }
        }
        long grids = ActivationQuantization.PointsOf(model).Count * (sizeof(float) + 1L);
        return new QuantizedSize(weights, int8 + grids, packed + grids, floats);
    }
}
