using System.Globalization;
using System.Security.Cryptography;
using Apc.Attribution.Propagation;
using Apc.Checkpoints;
using Apc.Compression.Quantization;
using Apc.Models;
using Apc.Util;
using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;
using B = Apc.Deployment.OnnxGraphBuilder;

namespace Apc.Deployment;

/// <summary>Writes an apc network as an ONNX model (opset <see cref="Opset"/>) that ONNX Runtime runs: input
/// "input" float32 [batch, C, H, W] of normalised images (the normalisation is in the metadata), output "logits"
/// float32 [batch, K]; the batch dimension is dynamic.</summary>
/// <remarks>
/// The graph follows the network's own node list (<see cref="ClassifierNet.Nodes"/>), so every architecture and every
/// compressed form (kd students, structurally pruned channel lists, unstructured zeros, quantized grids) exports through
/// one walk. Every batch norm that follows a convolution is folded into it (<see cref="BatchNormFolding"/>), which is
/// exact up to float rounding in evaluation mode (a grouped convolution's weight is scaled per output channel like any
/// other); dropout is the identity in evaluation mode and is left out. The channel permutations around a block-sparse
/// network's grouped convolutions become Gather on axis 1 with int64 indices, and the grouped convolution a Conv with
/// its group attribute.
/// Unstructured sparsity is exported as dense weights holding zeros: ONNX Runtime's CPU kernels are dense.
///
/// A quantized checkpoint becomes a QDQ graph that reproduces its fake-quantized arithmetic:
/// weights are int8 initializers (the stored levels; b-bit levels fit in int8) with a per-output-channel
/// DequantizeLinear (axis 0, zero point 0), the batch-norm factor γ/σ folded into each channel's scale (its sign into
/// the levels); each activation grid of the quantization stage becomes QuantizeLinear → DequantizeLinear (uint8,
/// per tensor) at the node the stage quantized; activation grids must have 8 bits (uint8 saturation is their clamp). Where a convolution reads a quantized value and its
/// output is quantized again (after its ReLU), the folded bias is stored as int32 on the scale input·weight, as
/// ONNX Runtime needs to fuse DequantizeLinear → Conv → QuantizeLinear into an int8 convolution; that rounding moves
/// the bias by at most half of input scale × weight scale. The network input is not quantized (the quantization stage
/// does not quantize it either), so the first convolution runs in float; so do convolutions whose output is not
/// quantized (ResNet's second block convolution and projection, whose sum the stage quantizes only after the ReLU),
/// and the classifier, whose logits are float.
/// </remarks>
public static class OnnxExport
{
    /// <summary>The ONNX opset written.</summary>
    public const int Opset = 17;
    /// <summary>The ONNX IR version written.</summary>
    public const long IrVersion = 8;
    /// <summary>Graph input, output and batch-dimension names.</summary>
    public const string InputName = "input", OutputName = "logits", BatchDimension = "batch";

    /// <summary>Builds the ONNX model of a loaded checkpoint (quantization read from its extra tensors).</summary>
    /// <param name="sourceSha256">Hex SHA-256 of the checkpoint file, recorded in the metadata.</param>
    /// <param name="checkpoint">The loaded checkpoint.</param>
    public static ModelProto Build(ModelCheckpoint checkpoint, string sourceSha256) =>
        Build(checkpoint.Model, checkpoint.Extra, checkpoint.Info, sourceSha256, System.IO.Path.GetFileName(checkpoint.Path));

    /// <summary>Builds the ONNX model of <paramref name="model"/> (evaluation mode) with the quantization that
    /// <paramref name="extra"/> holds (none: a float32 graph).</summary>
    public static ModelProto Build(ClassifierNet model, IReadOnlyDictionary<string, Tensor> extra, CheckpointInfo info,
        string sourceSha256, string sourceName)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var quantization = QuantizationOf(model, extra, sourceName);
        var shapes = OutputShapes(model);
        var builder = new B(model.Arch.ToString());
        var walker = new Walker(builder, quantization, shapes);
        var output = walker.Run(model.Nodes, new Flow(InputName, null));
        var graph = builder.Graph;
        var c = model.Config;
        graph.Input.Add(B.FloatInput(InputName, BatchDimension, c.InChannels, c.ImageSize, c.ImageSize));
        graph.Node.Add(new NodeProto { OpType = "Identity", Name = OutputName, Input = { output.Value }, Output = { OutputName } });
        graph.Output.Add(B.FloatInput(OutputName, BatchDimension, c.NumClasses));

        var proto = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "apc",
            ProducerVersion = ToolVersion.Text,
            Graph = graph,
            DocString = $"apc export of a {info.Kind} {model.Arch}: normalised images [batch,{c.InChannels},{c.ImageSize},{c.ImageSize}] " +
                        $"to multi-label logits [batch,{c.NumClasses}] (sigmoid gives probabilities).",
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        var precision = quantization.Weights.Count == 0 ? "float32"
            : string.Create(CultureInfo.InvariantCulture,
                $"int8 QDQ (weights {quantization.WeightBits} bits per channel, activations {(quantization.Activations.Count == 0 ? "float" : quantization.ActivationBits + " bits per tensor")})");
        OnnxMetadata.Write(proto, info with { Arch = model.Arch.ToString() }, sourceSha256, sourceName, precision);
        return proto;
    }

    /// <summary>Exports the checkpoint at <paramref name="checkpointPath"/> to <paramref name="outPath"/>, atomically.</summary>
    public static ModelProto Export(string checkpointPath, string outPath)
    {
        using var checkpoint = ModelCheckpoint.Load(checkpointPath);
        var proto = Build(checkpoint, FileChecksum.Sha256(checkpointPath));
        AtomicFile.WriteAllBytes(outPath, proto.ToByteArray());
        return proto;
    }

    /// <summary>The quantization a checkpoint carries: weight levels and scales per parameter, activation grids per node.</summary>
    sealed record Quantization(
        IReadOnlyDictionary<string, (Tensor Levels, Tensor Scales)> Weights,
        IReadOnlyDictionary<string, AffineQuantizer> Activations,
        int WeightBits, int ActivationBits);

    static Quantization QuantizationOf(ClassifierNet model, IReadOnlyDictionary<string, Tensor> extra, string source)
    {
        var weights = new Dictionary<string, (Tensor, Tensor)>();
        int maxLevel = 0;
        if (QuantizedModel.IsQuantized(extra))
            foreach (var name in WeightQuantizer.QuantizedParameters(model))
            {
                if (!extra.TryGetValue(QuantizedModel.LevelsKey(name), out var levels) || !extra.TryGetValue(QuantizedModel.ScalesKey(name), out var scales))
                    throw new ApcException($"checkpoint '{source}': quantized, but weight '{name}' has no stored levels and scales.");
                weights[name] = (levels.cpu(), scales.cpu().to(float32));
                maxLevel = Math.Max(maxLevel, (int)levels.abs().max().item<sbyte>());
            }
        var grids = ActivationQuantization.FromTensors(extra, $"checkpoint '{source}'");
        int weightBits = maxLevel == 0 ? 0 : (int)Math.Ceiling(Math.Log2(maxLevel + 1)) + 1;
        return new Quantization(weights, grids, weightBits, grids.Count == 0 ? 0 : grids.Values.First().Bits);
    }

    /// <summary>Each named node's output shape for one image (recorded through the forward tap).</summary>
    static Dictionary<string, long[]> OutputShapes(ClassifierNet model)
    {
        var shapes = new Dictionary<string, long[]>();
        var device = model.parameters().First().device;
        var c = model.Config;
        using var x = zeros(new long[] { 1, c.InChannels, c.ImageSize, c.ImageSize }, device: device);
        using var logits = model.Forward(x, (name, output) => { shapes[name] = output.shape; return output; });
        return shapes;
    }

    /// <summary>A value of the graph; <see cref="Grid"/> is set when it is the output of a DequantizeLinear.</summary>
    readonly record struct Flow(string Value, AffineQuantizer? Grid);

    sealed class Walker(B graph, Quantization quantization, IReadOnlyDictionary<string, long[]> shapes)
    {
        public Flow Run(IReadOnlyList<ModelNode> nodes, Flow x)
        {
            for (int i = 0; i < nodes.Count; i++)
            {
                var node = nodes[i];
                switch (node)
                {
                    case ResidualNode residual:
                    {
                        var main = Run(residual.Main, x);
                        var shortcut = residual.Shortcut.Count == 0 ? x : Run(residual.Shortcut, x);
                        x = new Flow(graph.Node("Add", residual.Name, new[] { main.Value, shortcut.Value }), null);
                        break;
                    }
                    case LayerNode { Kind: LayerKind.Conv } conv:
                    {
                        var norm = i + 1 < nodes.Count && nodes[i + 1] is LayerNode { Kind: LayerKind.BatchNorm } bn ? bn : null;
                        // The output is requantized when the next node after conv (and batch norm) is a quantization point.
                        int next = i + (norm is null ? 1 : 2);
                        bool requantized = IsPoint(conv.Name) || (norm is not null && IsPoint(norm.Name)) ||
                                           (next < nodes.Count && nodes[next] is LayerNode { Kind: LayerKind.ReLU } relu && IsPoint(relu.Name));
                        x = Convolution(conv, norm, x, requantized);
                        if (norm is not null) { node = norm; i++; }
                        break;
                    }
                    case LayerNode { Kind: LayerKind.BatchNorm } norm:
                        throw new ApcException($"layer '{norm.Name}': a batch norm that does not follow a convolution cannot be folded for export.");
                    case LayerNode { Kind: LayerKind.ReLU } relu:
                        x = new Flow(graph.Node("Relu", relu.Name, new[] { x.Value }), null);
                        break;
                    case LayerNode { Kind: LayerKind.MaxPool } pool:
                    {
                        if (pool.Module is not TorchSharp.Modules.MaxPool2d max)
                            throw new ApcException($"layer '{pool.Name}': only MaxPool2d can be exported.");
                        var kernel = max.kernel_size;
                        var stride = max.stride ?? kernel;
                        var padding = max.padding ?? new long[] { 0, 0 };
                        x = new Flow(graph.Node("MaxPool", pool.Name, new[] { x.Value },
                            B.Ints("kernel_shape", Pair(kernel)), B.Ints("strides", Pair(stride)),
                            B.Ints("pads", Pads(padding)), B.Ints("dilations", Pair(max.dilation ?? new long[] { 1 })),
                            B.Int("ceil_mode", max.ceil_mode ? 1 : 0)), x.Grid);
                        break;
                    }
                    case LayerNode { Kind: LayerKind.AvgPool } avg:
                    {
                        var shape = shapes[avg.Name];
                        if (avg.Module is not TorchSharp.Modules.AdaptiveAvgPool2d || shape[2] != 1 || shape[3] != 1)
                            throw new ApcException($"layer '{avg.Name}': only global average pooling (AdaptiveAvgPool2d(1)) can be exported.");
                        x = new Flow(graph.Node("GlobalAveragePool", avg.Name, new[] { x.Value }), null);
                        break;
                    }
                    case LayerNode { Kind: LayerKind.Flatten } flatten:
                    {
                        if (flatten.Module is TorchSharp.Modules.Flatten { start_dim: not 1 } or TorchSharp.Modules.Flatten { end_dim: not -1 })
                            throw new ApcException($"layer '{flatten.Name}': only Flatten(1, -1) can be exported.");
                        var value = graph.Node("Flatten", flatten.Name, new[] { x.Value }, B.Int("axis", 1));
                        // Flattening keeps grid values on their grid; restating the grid lets the classifier read a dequantized value.
                        x = x.Grid is { } grid ? QuantizeDequantize(new Flow(value, null), grid, flatten.Name) : new Flow(value, null);
                        break;
                    }
                    case LayerNode { Kind: LayerKind.Dropout }:
                        break; // the identity in evaluation mode
                    case LayerNode { Kind: LayerKind.Permute } permute:
                    {
                        if (permute.Module is not ChannelPermutation permutation)
                            throw new ApcException($"layer '{permute.Name}': only ChannelPermutation can be exported as a channel permutation.");
                        // Output channel i is input channel Order[i]: Gather on the channel axis with the order as indices.
                        var value = graph.Node("Gather", permute.Name, new[] { x.Value, graph.Int64(permute.Name + ".indices", permutation.Order) },
                            B.Int("axis", 1));
                        // A permutation keeps grid values on their grid; restating the grid lets the grouped conv after a
                        // gather read a dequantized value, as after Flatten.
                        x = x.Grid is { } grid ? QuantizeDequantize(new Flow(value, null), grid, permute.Name) : new Flow(value, null);
                        break;
                    }
                    case LayerNode { Kind: LayerKind.Linear } linear:
                        x = Dense(linear, x);
                        break;
                    default:
                        throw new ApcException($"node '{node.Name}' ({node.Kind}) cannot be exported to ONNX.");
                }
                if (quantization.Activations.TryGetValue(node.Name, out var point))
                    x = QuantizeDequantize(x, point, node.Name);
            }
            return x;
        }

        bool IsPoint(string name) => quantization.Activations.ContainsKey(name);

        Flow Convolution(LayerNode node, LayerNode? normNode, Flow x, bool requantized)
        {
            if (node.Module is not TorchSharp.Modules.Conv2d conv)
                throw new ApcException($"layer '{node.Name}': only 2-d convolutions can be exported.");
            if (conv.padding_mode != PaddingModes.Zeros || conv.padding_type is not null || conv.padding is null)
                throw new ApcException($"layer '{node.Name}': only zero-padded convolutions with explicit padding can be exported.");
            TorchSharp.Modules.BatchNorm2d? norm = null;
            if (normNode is not null)
                norm = normNode.Module as TorchSharp.Modules.BatchNorm2d
                       ?? throw new ApcException($"layer '{normNode.Name}': only 2-d batch norm can be folded.");
            var name = normNode?.Name is { } n ? $"{node.Name}+{n}" : node.Name;
            var (weight, bias) = norm is null
                ? (conv.weight!.detach(), conv.bias?.detach() ?? zeros(conv.weight!.shape[0]))
                : BatchNormFolding.Fold(conv.weight!, conv.bias, norm);
            string weightValue, biasValue;
            if (quantization.Weights.TryGetValue(node.Name + ".weight", out var q))
            {
                // γ/σ per channel: the folded weight is levels · (scale · γ/σ); its sign goes into the levels.
                var factor = norm is null ? ones(weight.shape[0]) : BatchNormFolding.Fold(ones(weight.shape[0], 1), null, norm).Weight.reshape(-1);
                var sign = factor.sign().where(factor.ne(0), ones_like(factor));
                var scales = q.Scales.mul(factor.abs()).where(factor.ne(0), q.Scales);
                var levels = q.Levels.to(int32).mul(sign.to(int32).view(-1, 1, 1, 1)).where(factor.ne(0).view(-1, 1, 1, 1), zeros_like(q.Levels, dtype: int32));
                weightValue = DequantizedWeight(name, levels, scales);
                biasValue = requantized && x.Grid is { } input ? QuantizedBias(name, bias, scales.mul(input.Scale)) : graph.Float(name + ".bias", bias);
            }
            else
            {
                weightValue = graph.Float(name + ".weight", weight);
                biasValue = graph.Float(name + ".bias", bias);
            }
            var output = graph.Node("Conv", name, new[] { x.Value, weightValue, biasValue },
                B.Ints("kernel_shape", conv.weight!.shape[2], conv.weight.shape[3]), B.Ints("strides", Pair(conv.stride)),
                B.Ints("pads", Pads(conv.padding)), B.Ints("dilations", Pair(conv.dilation)), B.Int("group", conv.groups));
            return new Flow(output, null);
        }

        Flow Dense(LayerNode node, Flow x)
        {
            if (node.Module is not TorchSharp.Modules.Linear linear)
                throw new ApcException($"layer '{node.Name}': only nn.Linear can be exported as a linear layer.");
            var weight = quantization.Weights.TryGetValue(node.Name + ".weight", out var q)
                ? DequantizedWeight(node.Name, q.Levels, q.Scales)
                : graph.Float(node.Name + ".weight", linear.weight!);
            var bias = graph.Float(node.Name + ".bias", linear.bias?.detach() ?? zeros(linear.weight!.shape[0]));
            return new Flow(graph.Node("Gemm", node.Name, new[] { x.Value, weight, bias }, B.Int("transB", 1)), null);
        }

        string DequantizedWeight(string name, Tensor levels, Tensor scales) =>
            graph.Node("DequantizeLinear", name + ".weight", new[]
            {
                graph.Int8(name + ".weight_levels", levels), graph.Float(name + ".weight_scale", scales),
                graph.Int8Zeros(name + ".weight_zero_point", scales.shape[0]),
            }, B.Int("axis", 0));

        /// <summary>The bias on the int32 grid of input scale × weight scale (what an int8 kernel adds to its
        /// accumulator); float when a value would not fit int32.</summary>
        string QuantizedBias(string name, Tensor bias, Tensor scales)
        {
            var levels = bias.to(float64).div(scales.to(float64)).round();
            if (levels.abs().max().item<double>() > int.MaxValue) return graph.Float(name + ".bias", bias);
            return graph.Node("DequantizeLinear", name + ".bias", new[]
            {
                graph.Int32(name + ".bias_levels", levels), graph.Float(name + ".bias_scale", scales),
                graph.Int32(name + ".bias_zero_point", zeros(scales.shape[0], dtype: int32)),
            }, B.Int("axis", 0));
        }

        Flow QuantizeDequantize(Flow x, AffineQuantizer grid, string name)
        {
            // Only the 8-bit grid is exported: it is what uint8 QuantizeLinear saturates to, and what ONNX Runtime's int8
            // kernels run. A Clip to a narrower grid before QuantizeLinear did not reproduce the fake-quantized model in
            // ONNX Runtime (labels agreed on 95 % of pairs for 4-bit activations), so fewer bits are refused.
            if (grid.MaxLevel != byte.MaxValue)
                throw new ApcException($"activation grid of '{name}' has {grid.Bits} bits; the ONNX export writes 8-bit activation grids only " +
                    "(quantize with --activation-bits 8; weights may have any of 2..8 bits).");
            var value = x.Value;
            var scale = graph.Float(name + ".scale", new[] { grid.Scale });
            var zero = graph.UInt8(name + ".zero_point", (byte)grid.ZeroPoint);
            var quantized = graph.Node("QuantizeLinear", name + ".quantized", new[] { value, scale, zero });
            return new Flow(graph.Node("DequantizeLinear", name + ".dequantized", new[] { quantized, scale, zero }), grid);
        }

        static long[] Pair(long[] values) => values.Length == 1 ? new[] { values[0], values[0] } : values;
        static long[] Pads(long[] padding) { var p = Pair(padding); return new[] { p[0], p[1], p[0], p[1] }; }
    }
}
