using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Matching;

/// <summary>An attribution-matching regularizer (method.md §2): a loss that pulls the student's attribution
/// map towards the frozen teacher's on the same images. Built-in: none, wcam (optionally with stochastic channel
/// dropping), at (activation attention transfer); user code adds its own through <see cref="Matchers.Register"/>
/// (docs/extending.md). A matcher returns unweighted per-layer losses; <see cref="Compression.CompressionObjective"/>
/// applies the weights.</summary>
public interface IAttributionMatcher
{
    /// <summary>none, at, wcam, wcam+drop0.3 — for tables and metrics.json.</summary>
    string Name { get; }

    /// <summary>β, the weight <see cref="Compression.CompressionObjective"/> gives Σ_l w_l·L_AM(l) (dimensionless,
    /// non-negative; the matcher itself never multiplies by it). 0 for none.</summary>
    double Weight { get; }

    /// <summary>One training step's forward passes: the student's (its logits keep the graph, so the caller can
    /// add classification and distillation losses without a second student forward), the teacher's when the
    /// matcher needs it (eval mode; its logits come back detached, so distillation can reuse them), and each matching
    /// layer's unweighted L_AM(l) with its w_l, attached to the student's graph. <paramref name="images"/>: [B,C,H,W]
    /// on the networks' device. Throws a one-line <see cref="UsageException"/> when a matching layer cannot be used.</summary>
    MatchingStep Step(ClassifierNet teacher, ClassifierNet student, Tensor images);

    /// <summary>Throws a one-line <see cref="UsageException"/> when the matching layers cannot be found in both
    /// networks or their maps would differ in size; runs each network once on one blank image. Call it before
    /// training to fail at once instead of at the first step.</summary>
    void Check(ClassifierNet teacher, ClassifierNet student);
}
