using Apc.Attribution.Propagation;
using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Attribution;

/// <summary>Excitation Backprop (Zhang et al. 2016, "Top-down neural attention by excitation backprop"): a top-down
/// winning probability, 1 at the target logit, passed down through conv and linear layers in proportion to a_i·w_ij⁺
/// (<see cref="ExcitationRule"/>: positive weights only, biases ignored), winner-take-all through max pooling,
/// proportional through average pooling, and through residual additions in proportion to the branches' positive
/// parts (<see cref="PositiveSplit"/>). Read out at <see cref="AttributionOptions.Layer"/> (default: the model's
/// attribution layer) by summing the probabilities over channels and upsampling bilinearly. Each layer's
/// probabilities sum to 1 per sample, so the map is a distribution over the readout layer's positions.
/// Contrastive variant (<see cref="AttributionOptions.Contrastive"/>): target minus dual unit
/// (<see cref="ContrastiveExcitationRule"/>), clamped at 0 after readout.</summary>
public sealed class ExcitationBackprop : IAttributionMethod
{
    /// <summary>A method with the checked <paramref name="options"/> (Contrastive selects the contrastive variant).</summary>
    public ExcitationBackprop(AttributionOptions options) => Options = options.Validated();

    /// <summary>The validated options this method reads.</summary>
    public AttributionOptions Options { get; }

    /// <inheritdoc/>
    public string Name => Options.Contrastive ? "contrastive-excitation-backprop" : "excitation-backprop";

    /// <inheritdoc/>
    public MapKind Kind => MapKind.Coarse;

    /// <summary>The rules of Excitation Backprop: positive weights, no biases, relevance in proportion to x·W⁺ (method.md §4).</summary>
    public RuleComposite Composite() => new(ExcitationRule.Instance)
    {
        Output = Options.Contrastive ? ContrastiveExcitationRule.Instance : ExcitationRule.Instance,
        Residual = PositiveSplit.Instance,
    };

    /// <inheritdoc/>
    public Tensor Attribute(ClassifierNet model, Tensor inputs, Tensor targets)
    {
        var layer = Options.Layer ?? model.DefaultAttributionLayer;
        using var scope = NewDisposeScope();
        var probabilities = RelevancePropagator.Propagate(model, inputs, targets, Composite(), InitialRelevance.TargetOne, layer);
        AttributionChecks.RequireSpatial(probabilities, layer, Name);
        var map = probabilities.sum(1);
        if (Options.Contrastive) map = map.clamp_min(0);
        return AttributionChecks.Upsample(map, inputs).MoveToOuterDisposeScope();
    }
}
