using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Attribution;

/// <summary>The class-activation-map engine (pytorch-grad-cam's base class): one forward pass capturing the layer's
/// activations A [B,K,h,w], one <c>autograd.grad</c> of the target logits for ∂z_c/∂A, then
/// map = ReLU(Σ_k w_k·A_k) upsampled bilinearly to the input size. Variants only say how the channel weights w_k
/// come from A and the gradients. Samples are independent: the gradient of the summed target logits with respect to
/// the batch's activations is each sample's own gradient (eval mode).</summary>
public abstract class CamMethod : IAttributionMethod
{
    /// <summary>Checks and keeps <paramref name="options"/>.</summary>
    protected CamMethod(AttributionOptions options) => Options = options.Validated();

    /// <summary>The validated options this method reads.</summary>
    public AttributionOptions Options { get; }

    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public MapKind Kind => MapKind.Coarse;

    /// <summary>The layer used when <see cref="AttributionOptions.Layer"/> is null.</summary>
    protected virtual string DefaultLayer(ClassifierNet model) => model.DefaultAttributionLayer;

    /// <summary>Channel weights [B,K] from activations and gradients [B,K,h,w] (both detached).</summary>
    protected abstract Tensor ChannelWeights(Tensor activations, Tensor gradients);

    /// <inheritdoc/>
    public Tensor Attribute(ClassifierNet model, Tensor inputs, Tensor targets)
    {
        var layer = Options.Layer ?? DefaultLayer(model);
        model.ResolveLayer(layer);
        using var scope = NewDisposeScope();
        var classes = AttributionChecks.Targets(model, inputs, targets);
        using var _ = enable_grad();
        // A leaf input that requires grad keeps the graph even when every parameter is frozen.
        var x = inputs.detach().requires_grad_(true);
        var (logits, captured) = model.ForwardCapturing(x, layer);
        var activations = captured[layer];
        AttributionChecks.RequireSpatial(activations, layer, Name);
        var score = logits.gather(1, classes.unsqueeze(1)).sum();
        var gradients = autograd.grad(new[] { score }, new[] { activations })[0].detach();
        var a = activations.detach();
        var weights = ChannelWeights(a, gradients);
        var map = (weights.unsqueeze(-1).unsqueeze(-1) * a).sum(1).relu();
        return AttributionChecks.Upsample(map, inputs).detach().MoveToOuterDisposeScope();
    }
}
