using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Attribution;

/// <summary>Gradient saliency (Simonyan et al. 2014): map = max over channels of |∂z_c/∂x|.</summary>
public sealed class Saliency(AttributionOptions options) : IAttributionMethod
{
    /// <summary>The validated options this method reads.</summary>
    public AttributionOptions Options { get; } = options.Validated();

    /// <inheritdoc/>
    public string Name => "saliency";

    /// <inheritdoc/>
    public MapKind Kind => MapKind.PixelNonNegative;

    /// <inheritdoc/>
    public Tensor Attribute(ClassifierNet model, Tensor inputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var classes = AttributionChecks.Targets(model, inputs, targets);
        var gradients = InputGradients.Of(model, inputs, classes);
        return gradients.abs().amax(new long[] { 1 }).MoveToOuterDisposeScope();
    }
}
