using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Attribution;

/// <summary>∂z_c/∂x for a stack of inputs, the building block of the gradient methods.</summary>
internal static class InputGradients
{
    /// <summary>Each row's target-logit gradient with respect to its own input: one forward and one
    /// <c>autograd.grad</c> of the summed target logits (rows are independent in eval mode).
    /// <paramref name="classes"/> is long [N] on the inputs' device. Detached; in the caller's dispose scope.</summary>
    public static Tensor Of(ClassifierNet model, Tensor inputs, Tensor classes)
    {
        using var scope = NewDisposeScope();
        using var _ = enable_grad();
        var x = inputs.detach().requires_grad_(true);
        var logits = model.Forward(x, null);
        var score = logits.gather(1, classes.unsqueeze(1)).sum();
        return autograd.grad(new[] { score }, new[] { x })[0].detach().MoveToOuterDisposeScope();
    }

    /// <summary>Sum over <paramref name="points"/> of the gradients at inputs[p] for the whole batch, where
    /// <paramref name="point"/>(first, count) builds points first..first+count−1 stacked as [count·B,C,H,W]
    /// (point-major). At most <paramref name="imagesPerPass"/> images per forward pass, never less than one point.</summary>
    public static Tensor SumOverPoints(ClassifierNet model, Tensor inputs, Tensor classes, int points, int imagesPerPass,
        Func<int, int, Tensor> point)
    {
        using var scope = NewDisposeScope();
        long batch = inputs.shape[0];
        int perPass = (int)Math.Max(1, imagesPerPass / Math.Max(1, batch));
        var total = zeros_like(inputs);
        for (int first = 0; first < points; first += perPass)
        {
            using var pass = NewDisposeScope();
            int count = Math.Min(perPass, points - first);
            var stacked = point(first, count);
            var gradients = Of(model, stacked, classes.repeat(count));
            // sum(dim: 0), not sum(0): a literal 0 converts to ScalarType and would pick sum(type: Byte).
            total.add_(gradients.reshape(count, batch, inputs.shape[1], inputs.shape[2], inputs.shape[3]).sum(dim: 0));
        }
        return total.MoveToOuterDisposeScope();
    }
}
