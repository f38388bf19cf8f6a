using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Training;

/// <summary>The one place where weighted loss terms are added up (torchdistill's idea of named, weighted loss
/// components): Σ_i weight_i·value_i, left to right. Every weight of the compression loss — 1−α, α, β and the
/// per-layer w_l — is applied here and nowhere else.</summary>
public static class LossTerms
{
    /// <summary>Σ_i weight_i·value_i over <paramref name="terms"/> in order (a scalar attached to the terms' graphs).
    /// Records each term's unweighted value under its name in <paramref name="parts"/> when given.
    /// Throws <see cref="ArgumentException"/> for an empty list or a weight that is not finite.</summary>
    public static Tensor Sum(IReadOnlyList<LossTerm> terms, IDictionary<string, double>? parts = null)
    {
        if (terms.Count == 0) throw new ArgumentException("a loss needs at least one term.", nameof(terms));
        Tensor? total = null;
        foreach (var term in terms)
        {
            if (!double.IsFinite(term.Weight))
                throw new ArgumentException($"loss term '{term.Name}' has weight {term.Weight}; weights must be finite.", nameof(terms));
            if (parts is not null) parts[term.Name] = term.Value.ToDouble();
            var weighted = term.Value * term.Weight;
            total = total is null ? weighted : total + weighted;
        }
        return total!;
    }
}
