using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Attribution;

/// <summary>Input × gradient (Shrikumar et al. 2016): map = Σ over channels of x·∂z_c/∂x (signed).</summary>
public sealed class InputXGradient(AttributionOptions options) : IAttributionMethod
{
    public AttributionOptions Options { get; } = options.Validated();

    public string Name => "input-x-gradient";

    public MapKind Kind => MapKind.PixelSigned;

    public Tensor Attribute(ClassifierNet model, Tensor inputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        var classes = AttributionChecks.Targets(model, inputs, targets);
        var gradients = InputGradients.Of(model, inputs, classes);
        return (inputs.detach() * gradients).sum(1).MoveToOuterDisposeScope();
    }
}
