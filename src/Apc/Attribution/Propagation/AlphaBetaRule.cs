using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>LRP-αβ (Bach et al. 2015; Montavon et al. 2019) for conv and linear layers. With contributions
/// c_ij = x_i·w_ij split into positive and negative parts,
/// R_i = Σ_j ( α·c_ij⁺ / (Σ_k c_kj⁺ + b_j⁺) − β·c_ij⁻ / (Σ_k c_kj⁻ + b_j⁻) ) · R_j,  α − β = 1.
/// A positive bias absorbs its share of relevance, so relevance is conserved exactly when biases are zero.
/// α = 1, β = 0 is the z⁺ rule for ReLU networks (non-negative inputs): x_i·w_ij⁺ / Σ_k x_k·w_kj⁺.</summary>
public sealed class AlphaBetaRule : IPropagationRule
{
    /// <summary>The LRP-αβ rule with α − β = 1 (α = 1, β = 0 by default): positive and negative contributions weighted separately.</summary>
    public AlphaBetaRule(double alpha = 1, double beta = 0)
    {
        if (Math.Abs(alpha - beta - 1) > 1e-12 || beta < 0)
            throw new UsageException($"LRP-αβ needs α − β = 1 and β ≥ 0 (got α = {alpha}, β = {beta}).");
        Alpha = alpha;
        Beta = beta;
    }

    /// <summary>α, the weight of the positive contributions.</summary>
    public double Alpha { get; }
    /// <summary>β, the weight of the negative contributions.</summary>
    public double Beta { get; }

    /// <inheritdoc/>
    public Tensor Propagate(PropagationNode layer, Tensor input, Tensor relevance)
    {
        using var scope = NewDisposeScope();
        using var _ = enable_grad();
        var w = layer.Weight!;
        var (wp, wn) = (w.clamp_min(0), w.clamp_max(0));
        var b = layer.Bias;
        // Hidden layers of ReLU networks only see non-negative inputs: skip the negative half then.
        bool signed = input.lt(0).any().item<bool>();
        var xp = Relevance.Leaf(input.clamp_min(0));
        var xn = signed ? Relevance.Leaf(input.clamp_max(0)) : null;
        var leaves = xn is null ? new[] { xp } : new[] { xp, xn };

        var outputs = new List<Tensor>();
        var gradOutputs = new List<Tensor>();
        // Positive contributions: x⁺·w⁺ and x⁻·w⁻.
        var zPositive = layer.Apply(xp, wp, b?.clamp_min(0));
        if (xn is not null) zPositive = zPositive + layer.Apply(xn, wn);
        outputs.Add(zPositive);
        gradOutputs.Add(Relevance.SafeDivide(relevance, zPositive.detach()) * Alpha);
        if (Beta > 0)
        {
            var zNegative = layer.Apply(xp, wn, b?.clamp_max(0));
            if (xn is not null) zNegative = zNegative + layer.Apply(xn, wp);
            outputs.Add(zNegative);
            gradOutputs.Add(Relevance.SafeDivide(relevance, zNegative.detach()) * -Beta);
        }
        var grads = Relevance.Backward(outputs.ToArray(), gradOutputs.ToArray(), leaves);
        var result = xp.detach() * grads[0];
        if (xn is not null) result = result + xn.detach() * grads[1];
        return result.MoveToOuterDisposeScope();
    }
}
