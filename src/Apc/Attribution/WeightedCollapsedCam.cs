using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Attribution;

/// <summary>The sensitivity-weighted collapsed map that attribution matching compares (method.md §2, steps 1–2):
/// α_k = Σ_ij ∂z_c/∂A_kij (a sum over positions, not Grad-CAM's mean), M = ReLU(Σ_k α_k·A_k), here upsampled to the
/// input size for viewing and scoring. Default layer: the model's matching layer.</summary>
public sealed class WeightedCollapsedCam(AttributionOptions options) : CamMethod(options)
{
    /// <inheritdoc/>
    public override string Name => "wcam";

    /// <inheritdoc/>
    protected override string DefaultLayer(ClassifierNet model) => model.DefaultMatchingLayer;

    /// <inheritdoc/>
    protected override Tensor ChannelWeights(Tensor activations, Tensor gradients) => gradients.sum(new long[] { 2, 3 });
}
