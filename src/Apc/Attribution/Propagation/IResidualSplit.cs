using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>How a residual addition out = main + shortcut divides the relevance of its output between the two
/// branches. The engine then propagates each branch and sums the two results at the fork.</summary>
public interface IResidualSplit
{
    /// <summary>The shares of <paramref name="relevance"/> (shaped like the addition's output) that go to the <paramref name="main"/> and <paramref name="shortcut"/> branches, given their outputs.</summary>
    (Tensor Main, Tensor Shortcut) Split(Tensor main, Tensor shortcut, Tensor relevance);
}
