using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>How one layer redistributes relevance to its input (Zennit's "rule"). Rules are stateless and batched:
/// <paramref name="input"/> is the layer's input activation [B,...] recorded on the forward pass,
/// <paramref name="relevance"/> the relevance of its output [B,...]; the result has the input's shape.</summary>
public interface IPropagationRule
{
    Tensor Propagate(PropagationNode layer, Tensor input, Tensor relevance);
}
