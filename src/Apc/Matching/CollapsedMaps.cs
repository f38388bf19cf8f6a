using static TorchSharp.torch;

namespace Apc.Matching;

/// <summary>The maps of method.md §2 as plain tensor functions, with the paper's symbols. Per (image, class)
/// pair p: A_p ∈ R^{K×H×W} is the matching layer's activation and S_p = ∂z_c/∂A_p its sensitivity to the target
/// logit z_c.</summary>
public static class CollapsedMaps
{
    /// <summary>The floor of the norm in the normalisation, as in the reference (PyTorch's F.normalize).</summary>
    public const double NormFloor = 1e-12;

    /// <summary>Weighted collapsed map M = ReLU(Σ_k α_k·A_k) with α_k = Σ_{i,j} S_{k,i,j} (a sum over positions,
    /// not a mean). Channels where <paramref name="keep"/> is 0 are left out of the sum (stochastic matching).
    /// <paramref name="activation"/> and <paramref name="sensitivity"/>: [P,K,H,W]; <paramref name="keep"/>: [K] of
    /// 0/1 or null; result [P,H,W].</summary>
    public static Tensor Weighted(Tensor activation, Tensor sensitivity, Tensor? keep = null)
    {
        using var scope = NewDisposeScope();
        var alpha = sensitivity.sum(new long[] { 2, 3 }, keepdim: true);
        if (keep is not null) alpha = alpha * keep.view(1, -1, 1, 1);
        return nn.functional.relu((alpha * activation).sum(1)).MoveToOuterDisposeScope();
    }

    /// <summary>Activation attention map Q = mean_k A_k² (Zagoruyko &amp; Komodakis 2017). [P,K,H,W] → [P,H,W].</summary>
    public static Tensor Attention(Tensor activation)
    {
        using var scope = NewDisposeScope();
        return activation.pow(2).mean(new long[] { 1 }).MoveToOuterDisposeScope();
    }

    /// <summary>M̂ = vec(M) / max(‖vec(M)‖₂, 1e-12) per pair. [P,H,W] → [P,H·W].</summary>
    public static Tensor Normalize(Tensor map)
    {
        using var scope = NewDisposeScope();
        return nn.functional.normalize(map.flatten(1), p: 2, dim: 1, eps: NormFloor).MoveToOuterDisposeScope();
    }

    /// <summary>L_AM = mean over pairs and positions of (M̂_T − M̂_S)², for normalised maps [P,H·W].</summary>
    public static Tensor Distance(Tensor teacher, Tensor student)
    {
        using var scope = NewDisposeScope();
        return (teacher - student).pow(2).mean().MoveToOuterDisposeScope();
    }
}
