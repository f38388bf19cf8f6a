using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Attribution;

/// <summary>Integrated gradients (Sundararajan et al. 2017): (x − x')·∫₀¹ ∂z_c/∂x(x' + t(x − x')) dt, the integral as a
/// midpoint Riemann sum over <see cref="AttributionOptions.Steps"/> points t_k = (k + ½)/m, the baseline x' constant
/// (<see cref="AttributionOptions.Baseline"/>). Map = Σ over channels (signed); its sum approximates
/// z_c(x) − z_c(x') (completeness). Path points are evaluated in passes of <see cref="AttributionOptions.InternalBatchSize"/> images.</summary>
public sealed class IntegratedGradients(AttributionOptions options) : IAttributionMethod
{
    /// <summary>The validated options this method reads.</summary>
    public AttributionOptions Options { get; } = options.Validated();

    /// <inheritdoc/>
    public string Name => "integrated-gradients";

    /// <inheritdoc/>
    public MapKind Kind => MapKind.PixelSigned;

    /// <inheritdoc/>
    public Tensor Attribute(ClassifierNet model, Tensor inputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var classes = AttributionChecks.Targets(model, inputs, targets);
        var x = inputs.detach();
        var baseline = full_like(x, Options.Baseline);
        var difference = x - baseline;
        int steps = Options.Steps;
        var total = InputGradients.SumOverPoints(model, x, classes, steps, Options.InternalBatchSize, (first, count) =>
        {
            var fractions = arange(first, first + count, dtype: x.dtype, device: x.device).add(0.5).div(steps)
                .reshape(count, 1, 1, 1, 1);
            return (baseline.unsqueeze(0) + fractions * difference.unsqueeze(0)).reshape(-1, x.shape[1], x.shape[2], x.shape[3]);
        });
        return (difference * total / steps).sum(1).MoveToOuterDisposeScope();
    }
}
