using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>ReLU, flatten and dropout (eval mode) hand relevance through unchanged: a ReLU's output neuron is
/// its input neuron, flatten only reshapes, dropout is the identity in eval mode.</summary>
public sealed class PassRule : IPropagationRule
{
    /// <summary>The one instance (it has no state).</summary>
    public static PassRule Instance { get; } = new();

    /// <inheritdoc/>
    public Tensor Propagate(PropagationNode layer, Tensor input, Tensor relevance) => relevance.reshape(input.shape);
}
