using static TorchSharp.torch;

namespace Apc.Attribution;

/// <summary>Grad-CAM (Selvaraju et al. 2017): w_k = mean over positions of ∂z_c/∂A_k.</summary>
public sealed class GradCam(AttributionOptions options) : CamMethod(options)
{
    /// <inheritdoc/>
    public override string Name => "gradcam";

    /// <inheritdoc/>
    protected override Tensor ChannelWeights(Tensor activations, Tensor gradients) => gradients.mean(new long[] { 2, 3 });
}
