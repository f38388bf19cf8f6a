using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>A <see cref="ClassifierNet"/> rewritten into the form propagation rules expect: every batch norm
/// folded into the convolution before it (<see cref="BatchNormFolding"/>), weights detached. Owns the folded
/// weights; dispose it.</summary>
/// <remarks>
/// Rules see the folded weights; the forward pass does not use them. <see cref="Forward(Tensor)"/> runs the model's
/// own layers in the model's order and applies the model's <see cref="ClassifierNet.ActivationTap"/> (activation
/// fake-quantization) at the same nodes, so every recorded activation and the logits are the model's own, bit for
/// bit, whatever the compressed form (pruned, masked, quantized). Recomputing them with folded weights would differ
/// by float rounding, and one rounding difference at a coarse activation grid moves a value by a whole level.
/// </remarks>
public sealed class CanonicalNetwork : IDisposable
{
    readonly LayerTap? tap;

    CanonicalNetwork(IReadOnlyList<PropagationNode> nodes, LayerTap? tap)
    {
        Nodes = nodes;
        this.tap = tap;
    }

    /// <summary>The steps in execution order.</summary>
    public IReadOnlyList<PropagationNode> Nodes { get; }

    /// <summary>Canonizes a model as it is now: weights and batch-norm statistics are read for the rules, and the
    /// activation tap installed now (quantization) is applied on every forward pass.</summary>
    public static CanonicalNetwork From(ClassifierNet model)
    {
        var nodes = Convert(model.Nodes);
        return new CanonicalNetwork(nodes, model.ActivationTap);
    }

    static List<PropagationNode> Convert(IReadOnlyList<ModelNode> nodes)
    {
        var result = new List<PropagationNode>();
        for (int i = 0; i < nodes.Count; i++)
        {
            switch (nodes[i])
            {
                case ResidualNode residual:
                    result.Add(PropagationNode.Residual(residual.Name, Convert(residual.Main), Convert(residual.Shortcut)));
                    break;
                case LayerNode { Kind: LayerKind.Conv } conv:
                {
                    if (conv.Module is not TorchSharp.Modules.Conv2d conv2d)
                        throw new ApcException($"layer '{conv.Name}': only 2-d convolutions can be propagated.");
                    if (i + 1 < nodes.Count && nodes[i + 1] is LayerNode { Kind: LayerKind.BatchNorm } norm)
                    {
                        if (norm.Module is not TorchSharp.Modules.BatchNorm2d bn)
                            throw new ApcException($"layer '{norm.Name}': only 2-d batch norm can be folded.");
                        var (w, b) = BatchNormFolding.Fold(conv2d.weight!, conv2d.bias, bn);
                        result.Add(PropagationNode.Convolution(new[] { conv.Name, norm.Name }, conv2d, bn, w.DetachFromDisposeScope(), b.DetachFromDisposeScope()));
                        i++;
                    }
                    else
                    {
                        result.Add(PropagationNode.Convolution(new[] { conv.Name }, conv2d, null, Own(conv2d.weight!), conv2d.bias is null ? null : Own(conv2d.bias)));
                    }
                    break;
                }
                case LayerNode { Kind: LayerKind.Linear } linear:
                {
                    if (linear.Module is not TorchSharp.Modules.Linear dense)
                        throw new ApcException($"layer '{linear.Name}': only nn.Linear can be propagated as a linear layer.");
                    result.Add(PropagationNode.Dense(linear.Name, dense, Own(dense.weight!), dense.bias is null ? null : Own(dense.bias)));
                    break;
                }
                case LayerNode { Kind: LayerKind.BatchNorm } norm:
                    throw new ApcException($"layer '{norm.Name}': batch norm that does not follow a convolution cannot be folded for propagation.");
                case LayerNode layer:
                    result.Add(PropagationNode.Parameterless(layer.Name, layer.Kind, layer.Module));
                    break;
                default:
                    throw new ApcException($"node '{nodes[i].Name}' of type {nodes[i].GetType().Name} cannot be propagated.");
            }
        }
        return result;
    }

    /// <summary>A handle this object owns, whatever dispose scope is active: a detached view of a parameter, sharing its
    /// storage (the network lives for one propagation, so no copy is needed).</summary>
    static Tensor Own(Tensor t) => t.detach().DetachFromDisposeScope();

    /// <summary>The network's output (logits) for <paramref name="input"/>: the model's own logits.</summary>
    public Tensor Forward(Tensor input) => Run(Nodes, input, null);

    internal Tensor Forward(Tensor input, ForwardTrace trace) => Run(Nodes, input, trace);

    Tensor Run(IReadOnlyList<PropagationNode> nodes, Tensor x, ForwardTrace? trace)
    {
        foreach (var node in nodes)
        {
            trace?.Inputs.Add(node, x);
            if (node.Kind == LayerKind.Add)
            {
                var main = Run(node.Main, x, trace);
                var shortcut = Run(node.Shortcut, x, trace);
                trace?.BranchOutputs.Add(node, (main, shortcut));
                x = main.add(shortcut);
                if (tap is not null) x = tap(node.Name, x);
            }
            else
            {
                x = node.Evaluate(x, tap);
            }
        }
        return x;
    }

    /// <summary>Releases the tensors (or taps) this object holds; safe to call twice.</summary>
    public void Dispose()
    {
        foreach (var node in Nodes) node.DisposeParameters();
    }
}

/// <summary>What the engine records on the way up: each step's input, and each residual block's two branch outputs.</summary>
internal sealed class ForwardTrace
{
    public Dictionary<PropagationNode, Tensor> Inputs { get; } = new(ReferenceEqualityComparer.Instance);
    public Dictionary<PropagationNode, (Tensor Main, Tensor Shortcut)> BranchOutputs { get; } = new(ReferenceEqualityComparer.Instance);
}
