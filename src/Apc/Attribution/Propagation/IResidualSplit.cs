using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>How a residual addition out = main + shortcut divides the relevance of its output between the two
/// branches. The engine then propagates each branch and sums the two results at the fork.</summary>
public interface IResidualSplit
{
    (Tensor Main, Tensor Shortcut) Split(Tensor main, Tensor shortcut, Tensor relevance);
}
