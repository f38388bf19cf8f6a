using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Models;

/// <summary>One step of a network's computation, in execution order. A network is a list of nodes; a
/// <see cref="ResidualNode"/> holds two branches whose outputs are added. Every node has a unique name;
/// the names of layers with parameters match the PyTorch state-dict keys (features.0, layer1.0.conv1, fc).</summary>
public abstract record ModelNode(string Name, LayerKind Kind);

/// <summary>A single module applied to the previous node's output.</summary>
public sealed record LayerNode(string Name, LayerKind Kind, nn.Module<Tensor, Tensor> Module, string? Alias = null)
    : ModelNode(Name, Kind);

/// <summary>Output = Main(x) + Shortcut(x); an empty shortcut is the identity. Its kind is <see cref="LayerKind.Add"/>.</summary>
public sealed record ResidualNode(string Name, IReadOnlyList<ModelNode> Main, IReadOnlyList<ModelNode> Shortcut)
    : ModelNode(Name, LayerKind.Add);
