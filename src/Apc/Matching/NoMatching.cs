using Apc.Models;
using Apc.Training;
using static TorchSharp.torch;

namespace Apc.Matching;

/// <summary>The naive baseline: no attribution matching (β = 0). Runs only the student and returns no layer terms,
/// so the compression loss has no matching term.</summary>
public sealed class NoMatching : IAttributionMatcher
{
    /// <summary>The one instance (the matcher has no state).</summary>
    public static NoMatching Instance { get; } = new();

    /// <inheritdoc/>
    public string Name => "none";

    /// <summary>0: there is nothing to weigh.</summary>
    public double Weight => 0;

    /// <inheritdoc/>
    public MatchingStep Step(ClassifierNet teacher, ClassifierNet student, Tensor images) =>
        new(student.call(images), null, Array.Empty<LossTerm>());

    /// <inheritdoc/>
    public void Check(ClassifierNet teacher, ClassifierNet student) { }
}
