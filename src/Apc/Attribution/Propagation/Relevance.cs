using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>Small tensor helpers shared by the rules.</summary>
internal static class Relevance
{
    /// <summary>a / b where b ≠ 0, else 0: relevance sent through a zero denominator is zero anyway in the rules
    /// below (no contribution), and this avoids the bias a stabilising ε would add to every ratio.</summary>
    public static Tensor SafeDivide(Tensor a, Tensor b)
    {
        var nonzero = b.ne(0);
        return where(nonzero, a / where(nonzero, b, ones_like(b)), zeros_like(a));
    }

    /// <summary>The gradient trick: Σ over outputs of s·∂z/∂x for each leaf, i.e. the transposed layer applied to s.
    /// <paramref name="outputs"/> must have been computed from <paramref name="leaves"/>.</summary>
    public static Tensor[] Backward(Tensor[] outputs, Tensor[] gradOutputs, Tensor[] leaves) =>
        autograd.grad(outputs, leaves, gradOutputs.Select(g => g.detach()).ToArray()).ToArray();

    /// <summary>A fresh leaf that requires grad, with the values of <paramref name="t"/>.</summary>
    public static Tensor Leaf(Tensor t) => t.detach().requires_grad_(true);

    /// <summary>Sums over every dimension but the batch: [B,...] → [B].</summary>
    public static Tensor PerSample(Tensor t) => t.reshape(t.shape[0], -1).sum(1);

    /// <summary>Reshapes a per-sample vector [B] to broadcast against <paramref name="like"/> [B,...].</summary>
    public static Tensor Broadcastable(Tensor perSample, Tensor like)
    {
        var shape = new long[like.dim()];
        Array.Fill(shape, 1L);
        shape[0] = -1;
        return perSample.reshape(shape);
    }
}
