using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>A channel permutation (the gather and scatter around a block-sparse conv) moves each neuron to another
/// channel and changes no value, so each output neuron's relevance goes back to the input neuron it came from:
/// R_in[:, order[i]] = R_out[:, i]. Every rule set uses it; it conserves relevance exactly (each value is moved, none
/// is added), so LRP, Excitation Backprop and RAP give the grouped form of a block-sparse network the maps of its
/// masked form.</summary>
public sealed class PermutationRule : IPropagationRule
{
    /// <summary>The one instance (it has no state).</summary>
    public static PermutationRule Instance { get; } = new();

    /// <inheritdoc/>
    public Tensor Propagate(PropagationNode layer, Tensor input, Tensor relevance)
    {
        var order = layer.ChannelOrder
            ?? throw new InvalidOperationException($"step '{layer.Name}' ({layer.Kind}) is not a channel permutation.");
        if (relevance.dim() < 2 || relevance.shape[1] != order.Count || !relevance.shape.SequenceEqual(input.shape))
            throw new ApcException($"channel permutation '{layer.Name}' of {order.Count} channels got relevance " +
                $"[{string.Join(',', relevance.shape)}] for input [{string.Join(',', input.shape)}].");
        using var index = tensor(order.ToArray(), device: relevance.device);
        return zeros_like(relevance).index_copy_(1, index, relevance);
    }
}
