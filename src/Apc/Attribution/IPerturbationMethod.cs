using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Attribution;

/// <summary>An attribution method that only evaluates the model on perturbed inputs (no gradients, no layers), so it
/// runs on any <see cref="IImageClassifier"/>: a TorchSharp network or an ONNX export in ONNX Runtime. Perturbed images
/// are evaluated in batches of at most <see cref="AttributionOptions.InternalBatchSize"/>, which bounds memory.</summary>
public interface IPerturbationMethod : IAttributionMethod
{
    /// <summary>Maps [B,H,W] (float32, CPU) for <paramref name="inputs"/> [B,C,H,W] and <paramref name="targets"/>
    /// (long [B]); samples are independent (a batched call equals per-sample calls).</summary>
    Tensor Attribute(IImageClassifier model, Tensor inputs, Tensor targets);

    Tensor IAttributionMethod.Attribute(ClassifierNet model, Tensor inputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        AttributionChecks.Targets(model, inputs, targets); // the mode check only a network has
        return Attribute(new TorchClassifier(model), inputs, targets).to(inputs.device).MoveToOuterDisposeScope();
    }
}
