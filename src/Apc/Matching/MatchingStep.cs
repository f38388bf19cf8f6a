using Apc.Training;
using static TorchSharp.torch;

namespace Apc.Matching;

/// <summary>What <see cref="IAttributionMatcher.Step"/> computed for one batch; owns its tensors (dispose it when the
/// loss has been built: the graph keeps what the backward pass needs).</summary>
/// <param name="StudentLogits">[B,K], attached to the student's graph.</param>
/// <param name="TeacherLogits">[B,K], detached; null when the matcher did not run the teacher (none).</param>
/// <param name="Layers">One term per matching layer, in the order of <see cref="MatcherOptions.EffectiveLayers"/>:
/// name "l_am/LAYER" (the layer as the user named it), weight w_l, value the unweighted L_AM(l) (a scalar attached to
/// the student's graph). Empty when the matcher does not match (none). β is not applied here
/// (<see cref="Compression.CompressionObjective"/> does).</param>
public sealed record MatchingStep(Tensor StudentLogits, Tensor? TeacherLogits, IReadOnlyList<LossTerm> Layers) : IDisposable
{
    /// <summary>Disposes the logits and the per-layer values.</summary>
    public void Dispose()
    {
        StudentLogits.Dispose();
        TeacherLogits?.Dispose();
        foreach (var layer in Layers) layer.Value.Dispose();
    }
}
