using Apc.Attribution.Propagation;
using Apc.Data;
using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Attribution;

/// <summary>LRP (Bach et al. 2015) as method.md §4 evaluates it: relevance starts as the target logit's value,
/// α = 1, β = 0 in every conv and linear layer after the first (<see cref="AlphaBetaRule"/>; LRP-ε as an option),
/// z^B at the first layer with the bounds of the valid pixel range (<see cref="BoundedInputRule"/>), batch norm
/// folded into its conv, winner-take-all through max pooling, proportional through average pooling. A residual
/// addition is a linear layer with unit weights, and gets the hidden rule's version of it: α1β0 shares the relevance
/// in proportion to the branches' positive parts (<see cref="PositiveSplit"/>), ε in proportion to the branch outputs
/// (<see cref="ProportionalSplit"/>). (A proportional split under α1β0 would hand negative relevance to a branch whose
/// output is negative, and a conv whose positive contributions are all zero cannot pass it on: relevance would leak.)
/// Map = input relevance summed over channels. With α1β0, relevance is conserved exactly when every bias (after
/// folding) is zero; positive biases absorb their share otherwise.</summary>
public sealed class LayerwiseRelevancePropagation : IAttributionMethod
{
    /// <summary>LRP with the checked <paramref name="options"/> (rule variant, ε, input bounds).</summary>
    public LayerwiseRelevancePropagation(AttributionOptions options) => Options = options.Validated();

    /// <summary>The validated options this method reads.</summary>
    public AttributionOptions Options { get; }

    /// <inheritdoc/>
    public string Name => "lrp";

    /// <inheritdoc/>
    public MapKind Kind => MapKind.PixelSigned;

    /// <summary>The rules this method applies to a network with <paramref name="channels"/> input channels.</summary>
    public RuleComposite Composite(int channels)
    {
        bool epsilon = Options.LrpRule == LrpVariant.Epsilon;
        IPropagationRule hidden = epsilon ? new EpsilonRule(Options.Epsilon) : new AlphaBetaRule(1, 0);
        return new RuleComposite(hidden)
        {
            Input = InputRule(Options.Normalization, channels),
            Residual = epsilon ? ProportionalSplit.Instance : PositiveSplit.Instance,
        };
    }

    internal static BoundedInputRule InputRule(Normalization? normalization, int channels)
    {
        var n = normalization ?? Normalization.Identity(channels);
        if (n.Mean.Length != channels)
            throw new ApcException($"the normalisation has {n.Mean.Length} channels but the model reads {channels}.");
        return BoundedInputRule.ForNormalization(n);
    }

    /// <inheritdoc/>
    public Tensor Attribute(ClassifierNet model, Tensor inputs, Tensor targets)
    {
        var composite = Composite(model.Config.InChannels);
        using var scope = NewDisposeScope();
        var relevance = RelevancePropagator.Propagate(model, inputs, targets, composite, InitialRelevance.TargetLogit);
        return relevance.sum(1).MoveToOuterDisposeScope();
    }
}
