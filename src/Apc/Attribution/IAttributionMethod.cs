using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Attribution;

/// <summary>An attribution method (Captum's call shape): one heat map per sample for that sample's target class.
/// Create methods with <see cref="AttributionMethods.Create(string, AttributionOptions?)"/>. Maps of gradcam, gradcam++, wcam, saliency,
/// smoothgrad and (contrastive) excitation-backprop are non-negative; lrp, rap, input-x-gradient and
/// integrated-gradients are signed (positive = evidence for the class).</summary>
public interface IAttributionMethod
{
    /// <summary>The registry name (gradcam, lrp, ...).</summary>
    string Name { get; }

    /// <summary>What the maps hold (signed per pixel, non-negative per pixel, coarse); reports choose the display by it.</summary>
    MapKind Kind { get; }

    /// <summary>Maps [B,H,W] (float, on the inputs' device, detached) for <paramref name="inputs"/> [B,C,H,W] and
    /// <paramref name="targets"/> (one class index per sample, long [B]). The caller puts the model in eval mode
    /// (an <see cref="ApcException"/> otherwise); the method does not change the mode, registers nothing that
    /// outlives the call, and treats the samples independently (a batched call equals per-sample calls).</summary>
    Tensor Attribute(ClassifierNet model, Tensor inputs, Tensor targets);
}
