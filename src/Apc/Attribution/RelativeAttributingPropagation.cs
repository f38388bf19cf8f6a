using Apc.Attribution.Propagation;
using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Attribution;

/// <summary>RAP, Relative Attributing Propagation (Nam et al., AAAI 2020). Relevance starts as the target logit z_c.
/// At the layer that writes the logits, absolute influence normalisation (<see cref="AbsoluteInfluenceRule"/>);
/// in the hidden conv and linear layers, relevant/opposing separation followed by the uniform shift
/// (<see cref="RapRule"/>), and the same definition at residual additions, seen as unit-weight layers
/// (<see cref="RapSplit"/>); z^B at the first layer as for LRP; batch norm folded; max pooling winner-take-all,
/// average pooling proportional. Map = input relevance summed over channels (bipolar:
/// positive is relevant, negative irrelevant).
/// Conserved quantity: for every sample, the relevance summed over any layer equals the target logit z_c — exactly
/// at the last hidden layer (normalisation), after every hidden layer (shift), through pooling, residual splits and
/// the z^B input layer (which conserve by construction) — whatever the biases.</summary>
public sealed class RelativeAttributingPropagation : IAttributionMethod
{
    /// <summary>RAP with the checked <paramref name="options"/> (input bounds from the normalisation).</summary>
    public RelativeAttributingPropagation(AttributionOptions options) => Options = options.Validated();

    /// <summary>The validated options this method reads.</summary>
    public AttributionOptions Options { get; }

    /// <inheritdoc/>
    public string Name => "rap";

    /// <inheritdoc/>
    public MapKind Kind => MapKind.PixelSigned;

    /// <summary>The rules of RAP for a network whose input has <paramref name="channels"/> channels.</summary>
    public RuleComposite Composite(int channels) => new(RapRule.Instance)
    {
        Input = LayerwiseRelevancePropagation.InputRule(Options.Normalization, channels),
        Output = AbsoluteInfluenceRule.Instance,
        Residual = RapSplit.Instance,
    };

    /// <inheritdoc/>
    public Tensor Attribute(ClassifierNet model, Tensor inputs, Tensor targets)
    {
        var composite = Composite(model.Config.InChannels);
        using var scope = NewDisposeScope();
        var relevance = RelevancePropagator.Propagate(model, inputs, targets, composite, InitialRelevance.TargetLogit);
        return relevance.sum(1).MoveToOuterDisposeScope();
    }
}
