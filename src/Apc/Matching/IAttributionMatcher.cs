using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Matching;

/// <summary>An attribution-matching regularizer (method.md §2): a loss that pulls the student's attribution
/// map towards the frozen teacher's on the same images. Implementations: none, wcam (optionally with
/// stochastic channel dropping), at (activation attention transfer). See <see cref="MatcherFactory"/>.</summary>
public interface IAttributionMatcher
{
    /// <summary>none, at, wcam, wcam+drop0.3 — for tables and metrics.json.</summary>
    string Name { get; }

    /// <summary>One training step's forward passes: the student's (its logits keep the graph, so the caller can
    /// add classification and distillation losses without a second student forward), the teacher's when the
    /// matcher needs it (eval mode; its logits come back detached, so distillation can reuse them), and β·L_AM
    /// attached to the student's graph. Adds "match" (β·L_AM) and "l_am" (Σ_l w_l·L_AM(l)) to
    /// <paramref name="parts"/> when it matches.</summary>
    MatchingStep Step(ClassifierNet teacher, ClassifierNet student, Tensor images, IDictionary<string, double> parts);

    /// <summary>Throws a one-line <see cref="UsageException"/> when the matching layers cannot be found in both
    /// networks or their maps would differ in size; runs each network once on one blank image. Call it before
    /// training to fail at once instead of at the first step.</summary>
    void Check(ClassifierNet teacher, ClassifierNet student);

    /// <summary>β·L_AM alone (zero for none).</summary>
    Tensor Loss(ClassifierNet teacher, ClassifierNet student, Tensor images, IDictionary<string, double> parts);
}
