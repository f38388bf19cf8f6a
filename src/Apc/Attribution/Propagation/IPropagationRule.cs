using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>How one layer redistributes relevance to its input (Zennit's "rule"). Rules are stateless and batched:
/// the input is the layer's input activation [B,...] recorded on the forward pass, the relevance that of its
/// output [B,...]; the result has the input's shape.</summary>
public interface IPropagationRule
{
    /// <summary>The relevance of <paramref name="layer"/>'s input, shaped like <paramref name="input"/>.</summary>
    Tensor Propagate(PropagationNode layer, Tensor input, Tensor relevance);
}
