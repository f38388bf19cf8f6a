using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Models;

/// <summary>Reorders the channels of [B,C,H,W]: output channel i is input channel <see cref="Order"/>[i]. The gather
/// and scatter around a block-sparse conv (<see cref="BlockLayout"/>); no parameters and no state-dict entries.</summary>
public sealed class ChannelPermutation : nn.Module<Tensor, Tensor>
{
    readonly long[] order;

    /// <summary>A permutation that reads channel <paramref name="order"/>[i] into position i.</summary>
    public ChannelPermutation(IReadOnlyList<int> order) : base("ChannelPermutation")
    {
        this.order = order.Select(i => (long)i).ToArray();
    }

    /// <summary>Which input channel each output channel is.</summary>
    public IReadOnlyList<long> Order => order;

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        if (input.dim() < 2 || input.shape[1] != order.Length)
            throw new ApcException($"channel permutation of {order.Length} channels got input [{string.Join(',', input.shape)}].");
        using var index = tensor(order, device: input.device);
        return input.index_select(1, index);
    }
}
