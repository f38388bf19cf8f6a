using static TorchSharp.torch;

namespace Apc.Compression.Unification;

/// <summary>The ADMM splitting of weight unification, in scaled form (Boyd et al. 2011, §3.1.1). The constrained problem
/// min f(W) subject to W ∈ S (S: the unified set of <see cref="WeightUnification.Project"/>) is written as
/// min f(W) + g(Z) subject to W = Z, with g the indicator of S, and solved by alternating
/// <list type="number">
/// <item>W-step: minimise f(W) + ρ/2·‖W − Z + U‖² (the caller's training: <see cref="Residual"/> is the squared norm,
/// <see cref="AdmmObjective"/> adds it to the training loss);</item>
/// <item>Z-step: Z := Proj_S(W + U), the exact projection;</item>
/// <item>dual step: U := U + W − Z.</item>
/// </list>
/// Z starts as Proj_S(W₀) and U at 0. When ρ changes, the scaled dual is rescaled, U := U·ρ_old/ρ_new, so the unscaled
/// dual ρ·U is unchanged (Boyd et al. §3.4.1). S is not convex, so this is the usual heuristic use of ADMM (as in ADMM
/// pruning): with a growing ρ, W is pulled onto S while f adapts; the stage ends with a hard projection.
/// Owns Z and U, not the grids.</summary>
public sealed class UnificationAdmm : IDisposable
{
    readonly IReadOnlyList<BlockGrid> grids;
    readonly List<Tensor> z = new(), u = new();

    /// <summary>Starts from <paramref name="weights"/> (not modified): Z = Proj(W), U = 0.</summary>
    public UnificationAdmm(IReadOnlyList<Tensor> weights, IReadOnlyList<BlockGrid> grids, long zeroBlocks, double rho)
    {
        if (!(rho > 0) || double.IsInfinity(rho)) throw new ArgumentOutOfRangeException(nameof(rho), "ρ must be positive and finite.");
        this.grids = grids;
        ZeroBlocks = zeroBlocks;
        Rho = rho;
        foreach (var p in WeightUnification.Project(weights, grids, zeroBlocks))
        {
            z.Add(p.Value.clone().DetachFromDisposeScope());
            u.Add(zeros_like(p.Value).DetachFromDisposeScope());
            p.Dispose();
        }
    }

    /// <summary>Blocks the projection unifies to zero.</summary>
    public long ZeroBlocks { get; }
    /// <summary>The current penalty ρ.</summary>
    public double Rho { get; private set; }
    /// <summary>The auxiliary variables Z (on S).</summary>
    public IReadOnlyList<Tensor> Z => z;
    /// <summary>The scaled duals U.</summary>
    public IReadOnlyList<Tensor> U => u;

    /// <summary>Σ over tensors of ‖W − Z + U‖², a scalar attached to the graph of <paramref name="weights"/>; the
    /// penalty is ρ/2 times it.</summary>
    public Tensor Residual(IReadOnlyList<Tensor> weights)
    {
        Tensor? total = null;
        for (int i = 0; i < weights.Count; i++)
        {
            var target = z[i] - u[i];
            if (target.device != weights[i].device) target = target.to(weights[i].device);
            var term = (weights[i] - target).pow(2).sum();
            total = total is null ? term : total + term;
        }
        return total ?? tensor(0f);
    }

    /// <summary>The Z-step and the dual step after a W-step: Z := Proj(W + U), U := U + W − Z.</summary>
    public void Update(IReadOnlyList<Tensor> weights)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var shifted = weights.Select((w, i) => w.detach().to(u[i].device) + u[i]).ToList();
        var projected = WeightUnification.Project(shifted, grids, ZeroBlocks);
        for (int i = 0; i < weights.Count; i++)
        {
            z[i].copy_(projected[i].Value);
            u[i].add_(weights[i].detach().to(u[i].device) - z[i]);
            projected[i].Dispose();
        }
    }

    /// <summary>Sets ρ for the next W-step, rescaling the scaled dual: U := U·ρ_old/ρ_new.</summary>
    public void ChangeRho(double rho)
    {
        if (!(rho > 0) || double.IsInfinity(rho)) throw new ArgumentOutOfRangeException(nameof(rho), "ρ must be positive and finite.");
        using var _ = no_grad();
        foreach (var t in u) t.mul_(Rho / rho);
        Rho = rho;
    }

    /// <summary>Primal residual ‖W − Z‖ / ‖W‖ over all tensors (how far W is from the last Z).</summary>
    public double PrimalResidual(IReadOnlyList<Tensor> weights)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        double error = 0, norm = 0;
        for (int i = 0; i < weights.Count; i++)
        {
            var w = weights[i].detach().to(z[i].device).to(ScalarType.Float64);
            error += (w - z[i].to(ScalarType.Float64)).pow(2).sum().item<double>();
            norm += w.pow(2).sum().item<double>();
        }
        return norm == 0 ? 0 : Math.Sqrt(error / norm);
    }

    /// <summary>Releases Z and U.</summary>
    public void Dispose()
    {
        foreach (var t in z.Concat(u)) t.Dispose();
    }
}
