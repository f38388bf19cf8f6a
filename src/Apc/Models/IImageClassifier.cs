using static TorchSharp.torch;

namespace Apc.Models;

/// <summary>A classifier seen from outside, as perturbation attribution and evaluation need it: a function from a
/// batch of normalised images to logits. Implemented over a TorchSharp network (<see cref="TorchClassifier"/>) and over
/// an ONNX Runtime session (<see cref="Deployment.OnnxClassifier"/>).</summary>
public interface IImageClassifier
{
    /// <summary>The input and output sizes: InChannels, ImageSize (square images), NumClasses.</summary>
    ModelConfig Config { get; }

    /// <summary>Logits float32 [B,K] on the CPU, without autograd history, for normalised images float32 [B,C,H,W]
    /// (any device; B ≥ 1). Samples are independent: a batched call equals per-sample calls.</summary>
    Tensor Logits(Tensor images);
}
