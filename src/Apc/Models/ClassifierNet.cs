using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Models;

/// <summary>Called with each named node's output during a forward pass; returns the tensor that the
/// network continues with (usually the same one). Grad-CAM and matching use it to capture an
/// activation and keep it in the graph; quantization uses it to replace activations.</summary>
public delegate Tensor LayerTap(string name, Tensor output);

/// <summary>A multi-label CNN classifier described as a list of named <see cref="ModelNode"/>s. The same
/// description drives the forward pass, layer lookup, attribution rules and channel surgery, so they
/// cannot disagree about the structure.</summary>
public abstract class ClassifierNet : nn.Module<Tensor, Tensor>
{
    /// <summary>A network named <paramref name="name"/> built for <paramref name="config"/>.</summary>
    protected ClassifierNet(string name, ModelConfig config) : base(name) { Config = config; }

    /// <summary>What the network was built for.</summary>
    public ModelConfig Config { get; }
    /// <summary>Its architecture.</summary>
    public ArchSpec Arch => Config.Arch;

    /// <summary>The computation in execution order.</summary>
    public abstract IReadOnlyList<ModelNode> Nodes { get; }

    /// <summary>The layer Grad-CAM reads by default: the ReLU after the last convolution.</summary>
    public abstract string DefaultAttributionLayer { get; }

    /// <summary>The layer attribution matching uses by default (method.md §2: the last max-pool's output
    /// for VGG; the last residual stage's output for ResNet).</summary>
    public abstract string DefaultMatchingLayer { get; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => Forward(input, null);

    /// <summary>A tap applied on every forward pass before the caller's tap (quantization uses it to put
    /// activations on the integer grid, so that evaluation and attribution see the quantized arithmetic).</summary>
    public LayerTap? ActivationTap { get; set; }

    /// <summary>Forward pass; <paramref name="tap"/> sees (and may replace) every named node's output.</summary>
    public Tensor Forward(Tensor input, LayerTap? tap)
    {
        var expected = new long[] { Config.InChannels, Config.ImageSize, Config.ImageSize };
        if (input.dim() != 4 || input.shape[1] != expected[0] || input.shape[2] != expected[1] || input.shape[3] != expected[2])
            throw new ApcException(
                $"model {Arch} expects input [N,{expected[0]},{expected[1]},{expected[2]}] but got [{string.Join(',', input.shape)}].");
        var combined = ActivationTap is null ? tap
            : tap is null ? ActivationTap
            : (name, output) => tap(name, ActivationTap(name, output));
        return Run(Nodes, input, combined);
    }

    static Tensor Run(IReadOnlyList<ModelNode> nodes, Tensor x, LayerTap? tap)
    {
        foreach (var node in nodes)
        {
            x = node switch
            {
                LayerNode layer => layer.Module.call(x),
                ResidualNode residual => Run(residual.Main, x, tap).add(Run(residual.Shortcut, x, tap)),
                _ => throw new InvalidOperationException($"unknown node type {node.GetType().Name}"),
            };
            if (tap is not null) x = tap(node.Name, x);
        }
        return x;
    }

    /// <summary>Runs the network and returns the logits plus the outputs of the requested layers, which
    /// stay attached to the autograd graph (so that ∂logit/∂activation can be taken).</summary>
    public (Tensor Logits, Dictionary<string, Tensor> Activations) ForwardCapturing(Tensor input, params string[] layers)
    {
        var wanted = layers.Select(ResolveLayer).ToHashSet();
        var captured = new Dictionary<string, Tensor>();
        var logits = Forward(input, (name, output) =>
        {
            if (wanted.Contains(name)) captured[name] = output;
            return output;
        });
        foreach (var layer in layers) captured.TryAdd(layer, captured[ResolveLayer(layer)]);
        return (logits, captured);
    }

    /// <summary>Every node in execution order, residual branches flattened in (main, then shortcut, then the add).</summary>
    public IEnumerable<ModelNode> AllNodes() => Flatten(Nodes);

    static IEnumerable<ModelNode> Flatten(IEnumerable<ModelNode> nodes)
    {
        foreach (var node in nodes)
        {
            if (node is ResidualNode r)
                foreach (var inner in Flatten(r.Main).Concat(Flatten(r.Shortcut))) yield return inner;
            yield return node;
        }
    }

    /// <summary>Layer names a user may type (canonical names, then aliases such as conv5_3, relu5_3, pool5).</summary>
    public IReadOnlyList<string> LayerNames =>
        AllNodes().Select(n => n is LayerNode { Alias: { } a } ? $"{n.Name} ({a})" : n.Name).ToList();

    /// <summary>Maps a canonical name or an alias to the canonical name, or throws a one-line error listing
    /// the valid names.</summary>
    public string ResolveLayer(string name)
    {
        foreach (var node in AllNodes())
            if (node.Name == name || (node is LayerNode { Alias: { } a } && a == name)) return node.Name;
        throw new UsageException($"unknown layer '{name}' for {Arch}; valid layers: {string.Join(", ", LayerNames)}");
    }

    /// <summary>The node named <paramref name="name"/> (canonical or alias); an unknown name is a <see cref="UsageException"/>.</summary>
    public ModelNode Node(string name)
    {
        var canonical = ResolveLayer(name);
        return AllNodes().First(n => n.Name == canonical);
    }

    /// <summary>The number of parameters.</summary>
    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>Multiply-accumulate operations of one forward pass on one image (convolutions and linear layers).</summary>
    public long MultiplyAccumulates()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var wasTraining = training;
        eval();
        long macs = 0;
        var byName = AllNodes().OfType<LayerNode>().ToDictionary(n => n.Name);
        var device = parameters().First().device;
        var x = zeros(new long[] { 1, Config.InChannels, Config.ImageSize, Config.ImageSize }, device: device);
        Forward(x, (name, output) =>
        {
            if (byName.TryGetValue(name, out var node))
            {
                if (node.Module is TorchSharp.Modules.Convolution conv)
                    macs += output.numel() * conv.weight!.shape[1] * conv.weight.shape[2] * conv.weight.shape[3];
                else if (node.Module is TorchSharp.Modules.Linear linear)
                    macs += output.numel() * linear.weight!.shape[1];
            }
            return output;
        });
        train(wasTraining);
        return macs;
    }
}
