using static TorchSharp.torch;

namespace Apc.Attribution;

/// <summary>Grad-CAM++ (Chattopadhay et al. 2018), closed form for an exponentiated score:
/// α_kij = g² / (2g² + Σ_ab A_kab · g³) (0 where the denominator is 0), w_k = Σ_ij α_kij · ReLU(g_kij),
/// with g = ∂z_c/∂A.</summary>
public sealed class GradCamPlusPlus(AttributionOptions options) : CamMethod(options)
{
    /// <inheritdoc/>
    public override string Name => "gradcam++";

    /// <inheritdoc/>
    protected override Tensor ChannelWeights(Tensor activations, Tensor gradients)
    {
        var g2 = gradients.pow(2);
        var g3 = g2 * gradients;
        var activationSums = activations.sum(new long[] { 2, 3 }, keepdim: true);
        var denominator = 2 * g2 + activationSums * g3;
        var nonzero = denominator.ne(0);
        var alpha = where(nonzero, g2 / where(nonzero, denominator, ones_like(denominator)), zeros_like(g2));
        return (alpha * gradients.relu()).sum(new long[] { 2, 3 });
    }
}
