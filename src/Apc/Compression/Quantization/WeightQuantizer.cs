using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Compression.Quantization;

/// <summary>Symmetric per-output-channel weight quantization: for output channel c,
/// scale_c = max|W_c| / L and q = clamp(round(W / scale_c), −L, L) with L = 2^(b−1)−1 (127 for 8 bits), so the
/// channel's largest weight lands exactly on ±L and zero stays exactly zero. Biases stay float: in an integer
/// kernel they are added to the 32-bit accumulator.</summary>
/// <remarks>Per-channel scales also make batch-norm folding exact: the batch norm after a conv multiplies each
/// output channel by γ_c/σ_c, which only rescales that channel's grid, so the folded weights are on a grid of the
/// same levels.</remarks>
public static class WeightQuantizer
{
    /// <summary>L = 2^(b−1)−1, the largest level of a b-bit symmetric grid.</summary>
    public static int MaxLevel(int bits)
    {
        if (bits < QuantizationOptions.MinBits || bits > QuantizationOptions.MaxBits)
            throw new UsageException($"--bits must be between {QuantizationOptions.MinBits} and {QuantizationOptions.MaxBits} (got {bits}).");
        return (1 << (bits - 1)) - 1;
    }

    /// <summary>The integer levels (int8, the weight's shape) and the scales (float32 [C_out]) of a weight
    /// [C_out, ...]. A channel that is all zero gets scale 1 (its levels are 0 whatever the scale).</summary>
    public static (Tensor Levels, Tensor Scales) Quantize(Tensor weight, int bits)
    {
        int maxLevel = MaxLevel(bits);
        if (weight.dim() < 2)
            throw new ArgumentException($"a weight to quantize per output channel needs at least 2 dimensions (got [{string.Join(',', weight.shape)}]).");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var flat = weight.detach().to(float32).reshape(weight.shape[0], -1);
        var maxAbs = flat.abs().amax(new long[] { 1 });
        var scales = maxAbs.div(maxLevel);
        scales = where(scales > 0, scales, ones_like(scales));
        var levels = flat.div(scales.unsqueeze(1)).round().clamp(-maxLevel, maxLevel).to(int8).reshape(weight.shape);
        return (levels.MoveToOuterDisposeScope(), scales.MoveToOuterDisposeScope());
    }

    /// <summary>levels · scale, float32, broadcasting the per-channel scale over the weight's other dimensions.</summary>
    public static Tensor Dequantize(Tensor levels, Tensor scales)
    {
        if (scales.dim() != 1 || scales.shape[0] != levels.shape[0])
            throw new ArgumentException($"scales [{string.Join(',', scales.shape)}] do not match weight levels [{string.Join(',', levels.shape)}].");
        using var scope = NewDisposeScope();
        var shape = new long[levels.dim()];
        Array.Fill(shape, 1L);
        shape[0] = scales.shape[0];
        return levels.to(float32).mul(scales.to(float32).view(shape)).MoveToOuterDisposeScope();
    }

    /// <summary>The weight moved to its nearest grid value: Dequantize(Quantize(weight)).</summary>
    public static Tensor FakeQuantize(Tensor weight, int bits)
    {
        var (levels, scales) = Quantize(weight, bits);
        using (levels) using (scales) return Dequantize(levels, scales).to(weight.dtype);
    }

    /// <summary>The state-dict names of the weights that are quantized: every convolution's and linear layer's
    /// weight, in execution order.</summary>
    public static IReadOnlyList<string> QuantizedParameters(ClassifierNet model)
    {
        var parameters = model.named_parameters().Select(p => p.name).ToHashSet();
        var names = new List<string>();
        foreach (var node in model.AllNodes())
        {
            if (node is not LayerNode { Kind: LayerKind.Conv or LayerKind.Linear }) continue;
            var name = node.Name + ".weight";
            if (!parameters.Contains(name))
                throw new InvalidOperationException($"layer '{node.Name}' of {model.Arch} has no parameter '{name}'.");
            names.Add(name);
        }
        return names;
    }
}
