using static TorchSharp.torch;

namespace Apc.Models;

/// <summary>A TorchSharp network as an <see cref="IImageClassifier"/>: its forward pass (activation quantization
/// included) in evaluation mode, without gradients, on the network's device. Does not own the network.</summary>
public sealed class TorchClassifier(ClassifierNet network) : IImageClassifier
{
    /// <summary>The wrapped network.</summary>
    public ClassifierNet Network { get; } = network;
    /// <inheritdoc/>
    public ModelConfig Config => Network.Config;

    /// <inheritdoc/>
    public Tensor Logits(Tensor images)
    {
        if (Network.training) throw new ApcException("the network must be in evaluation mode to be used as a classifier function.");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var device = Network.parameters().First().device;
        return Network.call(images.to(device)).cpu().MoveToOuterDisposeScope();
    }
}
