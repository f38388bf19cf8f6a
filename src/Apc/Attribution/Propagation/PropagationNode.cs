using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>One step of a network prepared for relevance propagation (see <see cref="CanonicalNetwork"/>).
/// A convolution followed by batch norm is one <see cref="LayerKind.Conv"/> step with folded weights; every
/// other model node maps to one step of the same kind; a residual block is an <see cref="LayerKind.Add"/> step
/// holding its two branches.</summary>
public sealed class PropagationNode
{
    // Set once by the factory methods below.
    nn.Module<Tensor, Tensor>? module;
    // The model's own layers behind this step (conv, then batch norm when folded), with their node names.
    IReadOnlyList<(string Name, nn.Module<Tensor, Tensor> Module)> layers = Array.Empty<(string, nn.Module<Tensor, Tensor>)>();
    long[] stride = { 1, 1 }, padding = { 0, 0 }, dilation = { 1, 1 };
    long groups = 1;

    PropagationNode(string name, IReadOnlyList<string> names, LayerKind kind)
    {
        Name = name;
        Names = names;
        Kind = kind;
    }

    /// <summary>The model node whose output this step produces (for a folded conv: the batch norm's name).</summary>
    public string Name { get; }

    /// <summary>Every model node merged into this step, in execution order (conv then batch norm when folded).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Conv, Linear, MaxPool, AvgPool, ReLU, Flatten, Dropout, Permute or Add; never BatchNorm.</summary>
    public LayerKind Kind { get; }

    /// <summary>Conv/Linear: the effective weight (batch norm folded in), without autograd history.</summary>
    public Tensor? Weight { get; private init; }

    /// <summary>Conv/Linear: the effective bias (zero when the layer has none and no batch norm follows), or null.</summary>
    public Tensor? Bias { get; private init; }

    /// <summary>Permute: which input channel each output channel is (<see cref="ChannelPermutation.Order"/>); null for
    /// every other kind.</summary>
    public IReadOnlyList<long>? ChannelOrder { get; private init; }

    /// <summary>Add: the branch whose output is added to the shortcut's.</summary>
    public IReadOnlyList<PropagationNode> Main { get; private init; } = Array.Empty<PropagationNode>();

    /// <summary>Add: the shortcut branch; empty means the identity.</summary>
    public IReadOnlyList<PropagationNode> Shortcut { get; private init; } = Array.Empty<PropagationNode>();

    /// <summary>True for the layers with weights (conv and linear), the ones rules modify.</summary>
    public bool IsAffine => Kind is LayerKind.Conv or LayerKind.Linear;

    internal static PropagationNode Convolution(IReadOnlyList<string> names, TorchSharp.Modules.Conv2d conv,
        TorchSharp.Modules.BatchNorm2d? norm, Tensor weight, Tensor? bias)
    {
        if (conv.padding_mode != PaddingModes.Zeros || conv.padding_type is not null || conv.padding is null)
            throw new ApcException($"layer '{names[0]}': only zero-padded convolutions with explicit padding can be propagated.");
        return new PropagationNode(names[^1], names, LayerKind.Conv)
        {
            Weight = weight, Bias = bias,
            layers = norm is null ? new[] { (names[0], (nn.Module<Tensor, Tensor>)conv) } : new[] { (names[0], (nn.Module<Tensor, Tensor>)conv), (names[1], norm) },
            stride = conv.stride, padding = conv.padding, dilation = conv.dilation, groups = conv.groups,
        };
    }

    internal static PropagationNode Dense(string name, TorchSharp.Modules.Linear linear, Tensor weight, Tensor? bias) =>
        new(name, new[] { name }, LayerKind.Linear) { Weight = weight, Bias = bias, layers = new[] { (name, (nn.Module<Tensor, Tensor>)linear) } };

    internal static PropagationNode Parameterless(string name, LayerKind kind, nn.Module<Tensor, Tensor> module)
    {
        if (kind == LayerKind.Permute && module is not ChannelPermutation)
            throw new ApcException($"layer '{name}': only ChannelPermutation can be propagated as a channel permutation.");
        return new(name, new[] { name }, kind)
        {
            module = module, layers = new[] { (name, module) }, ChannelOrder = (module as ChannelPermutation)?.Order,
        };
    }

    internal static PropagationNode Residual(string name, IReadOnlyList<PropagationNode> main, IReadOnlyList<PropagationNode> shortcut) =>
        new(name, new[] { name }, LayerKind.Add) { Main = main, Shortcut = shortcut };

    /// <summary>The layer's linear map with other parameters: what rules use to build modified forward passes
    /// (positive weights, bounds, ...). Conv and Linear only.</summary>
    public Tensor Apply(Tensor x, Tensor weight, Tensor? bias = null) => Kind switch
    {
        LayerKind.Conv => nn.functional.conv2d(x, weight, bias, stride, padding, dilation, groups),
        LayerKind.Linear => nn.functional.linear(x, weight, bias),
        _ => throw new InvalidOperationException($"step '{Name}' ({Kind}) has no weights."),
    };

    /// <summary>The step's own computation as rules see it: the folded weights for conv and linear steps, the layer
    /// itself otherwise, without the model's activation tap (not for Add steps, whose branches the engine runs).</summary>
    public Tensor Forward(Tensor x) => IsAffine
        ? Apply(x, Weight!, Bias)
        : module?.call(x) ?? throw new InvalidOperationException($"step '{Name}' ({Kind}) is not a single layer.");

    /// <summary>The value the model itself computes for this step: its own layers in its own order (conv, then batch
    /// norm, not the folded weights), each output passed through <paramref name="tap"/> under the layer's name as
    /// <see cref="ClassifierNet.Forward(Tensor, LayerTap?)"/> does. Bit for bit the model's forward pass, activation
    /// fake-quantization included. Not for Add steps.</summary>
    internal Tensor Evaluate(Tensor x, LayerTap? tap)
    {
        if (layers.Count == 0) throw new InvalidOperationException($"step '{Name}' ({Kind}) is not a single layer.");
        foreach (var (name, layer) in layers)
        {
            x = layer.call(x);
            if (tap is not null) x = tap(name, x);
        }
        return x;
    }

    internal void DisposeParameters()
    {
        Weight?.Dispose();
        Bias?.Dispose();
        foreach (var node in Main.Concat(Shortcut)) node.DisposeParameters();
    }
}
