using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>The one backward pass behind LRP, Excitation Backprop and RAP. It canonizes the network
/// (<see cref="CanonicalNetwork"/>), runs it forward once recording every step's input, puts the initial relevance on
/// the target logit, and walks the steps backwards applying the rule the <see cref="RuleComposite"/> chooses; at a
/// residual block it splits the relevance between the branches, propagates each, and sums them at the fork.
/// The forward values and the starting logit are the model's own (activation fake-quantization included; checked
/// against the model's forward pass on every call). An activation quantizer is treated as the identity for relevance:
/// the relevance of a step's quantized output is that of its output, and the rules below it use the quantized values
/// the next layer really received. Batched throughout; nothing survives the call but the result. Expects the model in
/// eval mode.</summary>
public static class RelevancePropagator
{
    /// <summary>Relevance at the input [B,C,H,W], or at the output of <paramref name="readoutLayer"/> when given
    /// (a conv followed by batch norm is one step: its readout is the batch norm's output).</summary>
    /// <param name="targets">Class per sample, long [B].</param>
    /// <param name="observer">Optional: sees the relevance at every step's output, from the logits down.</param>
    /// <param name="model">The network, in eval mode.</param>
    /// <param name="inputs">Images [B,C,H,W] on the model's device.</param>
    /// <param name="composite">The rule of every layer.</param>
    /// <param name="start">What the target logit's relevance starts as (its value, or 1).</param>
    /// <param name="readoutLayer">A layer to stop at; null: propagate to the input.</param>
    public static Tensor Propagate(ClassifierNet model, Tensor inputs, Tensor targets, RuleComposite composite,
        InitialRelevance start, string? readoutLayer = null, RelevanceObserver? observer = null)
    {
        var readout = readoutLayer is null ? null : model.ResolveLayer(readoutLayer);
        using var scope = NewDisposeScope();
        var classes = AttributionChecks.Targets(model, inputs, targets);
        using var network = CanonicalNetwork.From(model);
        var trace = new ForwardTrace();
        Tensor logits;
        using (no_grad()) logits = network.Forward(inputs.detach(), trace);
        RequireModelLogits(model, inputs, logits);

        var oneHot = nn.functional.one_hot(classes, logits.shape[1]).to_type(logits.dtype);
        var relevance = start == InitialRelevance.TargetLogit ? oneHot * logits : oneHot;

        var affine = Flatten(network.Nodes).Where(n => n.IsAffine).ToList();
        var walk = new Walk(composite, trace, affine.FirstOrDefault(), affine.LastOrDefault(), readout, observer);
        var atInput = walk.Backward(network.Nodes, relevance, topLevel: true);
        var result = readout is null ? atInput : walk.Captured
            ?? throw new ApcException($"layer '{readoutLayer}' was not reached while propagating relevance.");
        return result.detach().MoveToOuterDisposeScope();
    }

    /// <summary>Relative tolerance of <see cref="RequireModelLogits"/>: float rounding, nothing more (the canonical
    /// forward runs the model's own layers, so it normally agrees bit for bit).</summary>
    internal const double LogitTolerance = 1e-5;

    /// <summary>The conservation methods explain the target logit, so they must start from the model's own: compares
    /// the canonical network's logits with the model's forward pass on the same batch (one extra forward per call) and
    /// throws when any differs by more than <see cref="LogitTolerance"/> relative to the largest logit (at least 1).
    /// This catches any compressed form whose computation the canonizer does not reproduce.</summary>
    static void RequireModelLogits(ClassifierNet model, Tensor inputs, Tensor canonical)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var own = model.call(inputs.detach());
        double gap = (canonical - own).abs().max().to(float64).item<double>();
        double scale = Math.Max(1, own.abs().max().to(float64).item<double>());
        if (!(gap <= LogitTolerance * scale))
            throw new ApcException($"relevance propagation through {model.Arch} does not reproduce the model's logits (largest " +
                $"difference {gap:G3} at logits up to {scale:G3}): its canonical network computes another function, so the " +
                "relevance would not explain the model's output.");
    }

    static IEnumerable<PropagationNode> Flatten(IEnumerable<PropagationNode> nodes)
    {
        foreach (var node in nodes)
        {
            foreach (var inner in Flatten(node.Main).Concat(Flatten(node.Shortcut))) yield return inner;
            yield return node;
        }
    }

    sealed class Walk(RuleComposite composite, ForwardTrace trace, PropagationNode? first, PropagationNode? last,
        string? readout, RelevanceObserver? observer)
    {
        public Tensor? Captured { get; private set; }
        bool done;

        public Tensor Backward(IReadOnlyList<PropagationNode> nodes, Tensor relevance, bool topLevel)
        {
            for (int i = nodes.Count - 1; i >= 0 && !done; i--)
            {
                var node = nodes[i];
                observer?.Invoke(node.Name, relevance);
                if (readout is not null && node.Names.Contains(readout))
                {
                    Captured = relevance;
                    // Below a top-level readout nothing more is needed; inside a branch the walk must finish the block.
                    if (topLevel) { done = true; break; }
                }
                if (node.Kind == LayerKind.Add)
                {
                    var (mainOut, shortcutOut) = trace.BranchOutputs[node];
                    var (main, shortcut) = composite.Residual.Split(mainOut, shortcutOut, relevance);
                    relevance = Backward(node.Main, main, false) + Backward(node.Shortcut, shortcut, false);
                }
                else
                {
                    var position = ReferenceEquals(node, first) ? LayerPosition.Input
                        : ReferenceEquals(node, last) ? LayerPosition.Output : LayerPosition.Hidden;
                    relevance = composite.RuleFor(node, position).Propagate(node, trace.Inputs[node], relevance);
                }
            }
            return relevance;
        }
    }
}
