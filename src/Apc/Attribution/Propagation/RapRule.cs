using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>Relative Attributing Propagation through a hidden conv or linear layer (Nam et al., AAAI 2020).
/// For output unit j, split the contributions c_ij = x_i·w_ij into the relevant part P_j = Σ_i c_ij⁺ and the
/// magnitude of the opposing part N_j = Σ_i |c_ij⁻|. Units that push j up receive j's relevance in proportion to
/// their share of P_j; units that push against j are also influential and receive relevance in proportion to their
/// share of all influence P_j + N_j:
///   R̃_i = Σ_j ( c_ij⁺ / P_j + |c_ij⁻| / (P_j + N_j) ) · R_j.
/// This hands out more than Σ_j R_j; the uniform shift then subtracts the excess equally from every unit that received
/// relevance (n = number of i with R̃_i ≠ 0, per sample), so the least influential units turn negative ("irrelevant")
/// and the layer total is conserved exactly:
///   R_i = R̃_i − (Σ_k R̃_k − Σ_j R_j) / n   for R̃_i ≠ 0;   R_i = 0 otherwise.
/// Biases take no part: the shift conserves relevance whatever the bias. This follows the authors' reference
/// implementation for linear layers; their convolution variant routes negative relevance differently, which we
/// do not copy, so that conv and linear layers obey the same definition.</summary>
public sealed class RapRule : IPropagationRule
{
    /// <summary>The one instance (it has no state).</summary>
    public static RapRule Instance { get; } = new();

    /// <inheritdoc/>
    public Tensor Propagate(PropagationNode layer, Tensor input, Tensor relevance)
    {
        using var scope = NewDisposeScope();
        using var _ = enable_grad();
        var w = layer.Weight!;
        var (wp, wn) = (w.clamp_min(0), w.clamp_max(0));
        bool signed = input.lt(0).any().item<bool>();
        var xp = Relevance.Leaf(input.clamp_min(0));
        var xn = signed ? Relevance.Leaf(input.clamp_max(0)) : null;
        var leaves = xn is null ? new[] { xp } : new[] { xp, xn };

        var relevant = layer.Apply(xp, wp);          // Σ c⁺
        var opposing = layer.Apply(xp, wn).neg();    // Σ |c⁻|
        if (xn is not null)
        {
            relevant = relevant + layer.Apply(xn, wn);
            opposing = opposing - layer.Apply(xn, wp);
        }
        var p = relevant.detach();
        var influence = p + opposing.detach();
        var grads = Relevance.Backward(
            new[] { relevant, opposing },
            new[] { Relevance.SafeDivide(relevance, p), Relevance.SafeDivide(relevance, influence) },
            leaves);
        var spread = xp.detach() * grads[0];
        if (xn is not null) spread = spread + xn.detach() * grads[1];
        return UniformShift(spread, relevance).MoveToOuterDisposeScope();
    }

    /// <summary>Subtracts, per sample, the excess Σ R̃ − Σ R_out equally from the non-zero entries of R̃.</summary>
    internal static Tensor UniformShift(Tensor spread, Tensor relevanceOut)
    {
        var receivers = spread.ne(0);
        var excess = Relevance.PerSample(spread) - Relevance.PerSample(relevanceOut);
        var count = Relevance.PerSample(receivers.to_type(spread.dtype));
        var shift = Relevance.SafeDivide(excess, count);
        return spread - Relevance.Broadcastable(shift, spread) * receivers.to_type(spread.dtype);
    }
}
