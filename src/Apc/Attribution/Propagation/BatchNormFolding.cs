using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>The canonizer of the propagation methods: folds an eval-mode batch norm into the convolution
/// before it, so that rules see one convolution with a bias (Zennit's "merge batch norm").
/// BN(conv(x)) = γ·(W∗x + b − μ)/√(σ²+ε) + β = W'∗x + b' with W' = W·γ/√(σ²+ε) per output channel and
/// b' = (b − μ)·γ/√(σ²+ε) + β, using the running statistics (what the network computes in eval mode).</summary>
public static class BatchNormFolding
{
    /// <summary>Folded weight and bias, detached from autograd. <paramref name="bias"/> may be null (no conv bias).</summary>
    public static (Tensor Weight, Tensor Bias) Fold(Tensor weight, Tensor? bias, TorchSharp.Modules.BatchNorm2d norm)
    {
        if (norm.running_mean is null || norm.running_var is null)
            throw new ApcException("batch norm without running statistics cannot be folded into its convolution.");
        if (norm.running_mean.shape[0] != weight.shape[0])
            throw new ApcException(
                $"batch norm has {norm.running_mean.shape[0]} channels but the convolution before it has {weight.shape[0]} filters.");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var scale = norm.running_var.add(norm.eps).rsqrt();
        if (norm.weight is not null) scale = scale * norm.weight.detach();
        var shift = (bias is null ? zeros_like(norm.running_mean) : bias.detach()) - norm.running_mean;
        var folded = shift * scale;
        if (norm.bias is not null) folded = folded + norm.bias.detach();
        var shape = new long[weight.dim()];
        Array.Fill(shape, 1L);
        shape[0] = -1;
        var foldedWeight = weight.detach() * scale.reshape(shape);
        return (foldedWeight.MoveToOuterDisposeScope(), folded.MoveToOuterDisposeScope());
    }
}
