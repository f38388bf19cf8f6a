using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Matching;

/// <summary>An attribution-matching regularizer (method.md §2): a loss that pulls the student's attribution
/// map towards the frozen teacher's on the same images. Implementations: none, wcam (optionally with
/// stochastic channel dropping), at (activation attention transfer).</summary>
public interface IAttributionMatcher
{
    /// <summary>none, wcam, wcam(drop=0.3), at — for tables and metrics.json.</summary>
    string Name { get; }

    /// <summary>β·L_AM for this batch, attached to the student's graph (zero tensor for none). The teacher is in
    /// eval mode and contributes no graph. May add "match" to <paramref name="parts"/>.</summary>
    Tensor Loss(ClassifierNet teacher, ClassifierNet student, Tensor images, IDictionary<string, double> parts);
}
