using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Training;

/// <summary>Mean per-class sigmoid cross-entropy, the multi-label loss of method.md §3
/// (PyTorch's MultiLabelSoftMarginLoss without weights).</summary>
public sealed class MultiLabelLoss : ITrainingObjective
{
    /// <summary>BCE of logits [B,K] against multi-hot labels [B,K]: a scalar.</summary>
    public static Tensor Compute(Tensor logits, Tensor labels) =>
        nn.functional.binary_cross_entropy_with_logits(logits, labels);

    /// <inheritdoc/>
    public Tensor Loss(ClassifierNet model, Tensor images, Tensor labels, IDictionary<string, double> parts)
    {
        var loss = Compute(model.call(images), labels);
        parts["bce"] = loss.item<float>();
        return loss;
    }
}
