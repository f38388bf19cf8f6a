using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Attribution;

/// <summary>Input × gradient (Shrikumar et al. 2016): map = Σ over channels of x·∂z_c/∂x (signed).</summary>
public sealed class InputXGradient(AttributionOptions options) : IAttributionMethod
{
    /// <summary>The validated options this method reads.</summary>
    public AttributionOptions Options { get; } = options.Validated();

    /// <inheritdoc/>
    public string Name => "input-x-gradient";

    /// <inheritdoc/>
    public MapKind Kind => MapKind.PixelSigned;

    /// <inheritdoc/>
    public Tensor Attribute(ClassifierNet model, Tensor inputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var classes = AttributionChecks.Targets(model, inputs, targets);
        var gradients = InputGradients.Of(model, inputs, classes);
        return (inputs.detach() * gradients).sum(1).MoveToOuterDisposeScope();
    }
}
