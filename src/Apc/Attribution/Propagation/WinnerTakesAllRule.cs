using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>Max pooling: each output's relevance goes entirely to the input that won the max (the pool's gradient
/// applied to the relevance). Conserves relevance exactly.</summary>
public sealed class WinnerTakesAllRule : IPropagationRule
{
    /// <summary>The one instance (it has no state).</summary>
    public static WinnerTakesAllRule Instance { get; } = new();

    /// <inheritdoc/>
    public Tensor Propagate(PropagationNode layer, Tensor input, Tensor relevance)
    {
        using var scope = NewDisposeScope();
        using var _ = enable_grad();
        var x = Relevance.Leaf(input);
        var z = layer.Forward(x);
        return Relevance.Backward(new[] { z }, new[] { relevance }, new[] { x })[0].MoveToOuterDisposeScope();
    }
}
