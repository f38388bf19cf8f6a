using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>The output layer of contrastive Excitation Backprop (Zhang et al. 2016, §3.3): the target unit's winning
/// probabilities minus those of its dual unit, whose weights are the negated weights. Below this layer the
/// propagation is linear in the signal, so one pass of <see cref="ExcitationRule"/> carries the difference down;
/// each layer's signal then sums to 0. The map is clamped at 0 after readout.</summary>
public sealed class ContrastiveExcitationRule : IPropagationRule
{
    static readonly ExcitationRule Target = new(negate: false), Dual = new(negate: true);

    /// <summary>The one instance (it has no state).</summary>
    public static ContrastiveExcitationRule Instance { get; } = new();

    /// <inheritdoc/>
    public Tensor Propagate(PropagationNode layer, Tensor input, Tensor relevance)
    {
        using var scope = NewDisposeScope();
        return (Target.Propagate(layer, input, relevance) - Dual.Propagate(layer, input, relevance)).MoveToOuterDisposeScope();
    }
}
