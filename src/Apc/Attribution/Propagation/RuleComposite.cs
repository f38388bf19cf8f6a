using Apc.Models;

namespace Apc.Attribution.Propagation;

/// <summary>Chooses a rule for every step of a network (Zennit's "composite"): conv and linear layers by their
/// position, pooling by kind, residual additions by <see cref="Residual"/>; ReLU, flatten and dropout always pass
/// relevance through (<see cref="PassRule"/>), and channel permutations always permute it back
/// (<see cref="PermutationRule"/>). LRP, Excitation Backprop and RAP are three composites over the same
/// <see cref="RelevancePropagator"/>.</summary>
/// <param name="Hidden">Rule for conv and linear layers between the first and the last.</param>
public sealed record RuleComposite(IPropagationRule Hidden)
{
    /// <summary>Rule for the first conv/linear layer (the one that reads the image); null means <see cref="Hidden"/>.</summary>
    public IPropagationRule? Input { get; init; }

    /// <summary>Rule for the last conv/linear layer (the one that writes the logits); null means <see cref="Hidden"/>.</summary>
    public IPropagationRule? Output { get; init; }

    /// <summary>The rule of max-pooling layers (winner takes all by default).</summary>
    public IPropagationRule MaxPool { get; init; } = WinnerTakesAllRule.Instance;
    /// <summary>The rule of average-pooling layers (proportional by default).</summary>
    public IPropagationRule AvgPool { get; init; } = ProportionalRule.Instance;
    /// <summary>How residual additions split relevance (in proportion to the branch outputs by default).</summary>
    public IResidualSplit Residual { get; init; } = ProportionalSplit.Instance;

    /// <summary>The rule for <paramref name="node"/> at <paramref name="position"/> in the network.</summary>
    public IPropagationRule RuleFor(PropagationNode node, LayerPosition position) => node.Kind switch
    {
        LayerKind.Conv or LayerKind.Linear => position switch
        {
            LayerPosition.Input => Input ?? Hidden,
            LayerPosition.Output => Output ?? Hidden,
            _ => Hidden,
        },
        LayerKind.MaxPool => MaxPool,
        LayerKind.AvgPool => AvgPool,
        LayerKind.ReLU or LayerKind.Flatten or LayerKind.Dropout => PassRule.Instance,
        LayerKind.Permute => PermutationRule.Instance,
        _ => throw new ApcException($"no propagation rule for step '{node.Name}' of kind {node.Kind}."),
    };
}
