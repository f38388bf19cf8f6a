using Apc.Compression.Pruning;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Compression.Unification;

/// <summary>Micro-structured weight unification (docs/compression.md, "unify"): the constraint set, its Euclidean
/// projection, and the facts measured from a network's weights. A tensor is unified when every block of its
/// <see cref="BlockGrid"/> holds values ±m_k (one magnitude m_k ≥ 0 per block, each weight its own sign); a block with
/// m_k = 0 is pruned. The set a stage projects onto: every block of every unified tensor unified, and exactly
/// <c>zeroBlocks</c> of all blocks (over all tensors together) zero.</summary>
public static class WeightUnification
{
    /// <summary>Bits of one stored magnitude (float32).</summary>
    public const int MagnitudeBits = 32;

    /// <summary>The unified tensors: every conv weight (biases, batch norm and the linear layer stay dense, as in
    /// unstructured pruning).</summary>
    public static IReadOnlyList<string> UnifiedParameters(ClassifierNet model) => MagnitudePruning.PrunableParameters(model, includeLinear: false);

    /// <summary>Blocks unified to zero at a zero fraction: round(fraction·blocks), halves away from zero.</summary>
    public static long ZeroCount(double fraction, long blocks) => (long)Math.Round(fraction * blocks, MidpointRounding.AwayFromZero);

    /// <summary>The Euclidean projection of <paramref name="values"/> onto the unified set with
    /// <paramref name="zeroBlocks"/> zero blocks. The caller owns the results.
    /// <para>One block, values w_1..w_B, shared magnitude c ≥ 0 and signs t_i ∈ {−1, +1}: the squared error is
    /// Σ(w_i − t_i·c)² = Σw_i² − 2c·Σt_i·w_i + B·c². For any c ≥ 0 it is smallest with t_i·w_i = |w_i|, i.e. t_i = sign(w_i)
    /// (either sign where w_i = 0; we take +1), leaving E(c) = Σ(|w_i| − c)². E is a convex parabola in c with
    /// E′(c) = −2·Σ(|w_i| − c) = 0 at c = m = (1/B)·Σ|w_i|, which is ≥ 0, so the least-squares magnitude is the mean
    /// absolute value. Its error is E(m) = Σw_i² − B·m²; unifying the block to zero instead costs E(0) = Σw_i², B·m² more.
    /// So the projection with a given number of zero blocks zeroes the blocks of smallest B·m² (for full blocks, those of
    /// smallest mean magnitude) over all tensors together, and unifies the others at their m. Ties go to the earlier
    /// block (tensors in the given order, blocks in grid order), so the count is exact and the result deterministic.</para></summary>
    public static IReadOnlyList<UnifiedTensor> Project(IReadOnlyList<Tensor> values, IReadOnlyList<BlockGrid> grids, long zeroBlocks)
    {
        if (values.Count != grids.Count) throw new ArgumentException("one grid per tensor.", nameof(grids));
        long total = grids.Sum(g => g.Count);
        if (zeroBlocks < 0 || zeroBlocks > total)
            throw new ArgumentOutOfRangeException(nameof(zeroBlocks), $"cannot zero {zeroBlocks} of {total} blocks.");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var magnitudes = new List<Tensor>();
        var costs = new List<Tensor>();
        for (int i = 0; i < values.Count; i++)
        {
            var w = values[i].detach();
            var counts = grids[i].Counts.to(w.dtype);
            var m = grids[i].BlockSum(w.abs()) / counts;
            magnitudes.Add(m);
            costs.Add((counts * m * m).to(ScalarType.Float64));
        }
        var keep = ones(total, dtype: ScalarType.Bool, device: costs[0].device);
        if (zeroBlocks > 0)
        {
            var (_, order) = cat(costs, 0).sort(0, descending: false, stable: true);
            keep.index_fill_(0, order.narrow(0, 0, zeroBlocks), false);
        }
        var pieces = keep.split(grids.Select(g => g.Count).ToArray());
        var result = new List<UnifiedTensor>(values.Count);
        for (int i = 0; i < values.Count; i++)
        {
            var w = values[i].detach();
            var signs = where(w < 0, -ones_like(w), ones_like(w));
            var value = signs * grids[i].Spread(magnitudes[i] * pieces[i].to(w.dtype));
            result.Add(new UnifiedTensor(grids[i], value.MoveToOuterDisposeScope(), signs.MoveToOuterDisposeScope(),
                pieces[i].clone().MoveToOuterDisposeScope()));
        }
        return result;
    }

    /// <summary>‖W − Proj(W)‖ / ‖W‖ over all <paramref name="values"/> together (0 when W is unified with
    /// <paramref name="zeroBlocks"/> zero blocks; 0 for an all-zero W).</summary>
    public static double RelativeDistance(IReadOnlyList<Tensor> values, IReadOnlyList<BlockGrid> grids, long zeroBlocks)
    {
        var projected = Project(values, grids, zeroBlocks);
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            double error = 0, norm = 0;
            for (int i = 0; i < values.Count; i++)
            {
                var w = values[i].detach().to(ScalarType.Float64);
                error += (w - projected[i].Value.to(ScalarType.Float64)).pow(2).sum().item<double>();
                norm += w.pow(2).sum().item<double>();
            }
            return norm == 0 ? 0 : Math.Sqrt(error / norm);
        }
        finally { foreach (var p in projected) p.Dispose(); }
    }

    /// <summary>What the weights of <paramref name="parameters"/> hold, measured block by block with
    /// <paramref name="block"/>: a block is unified when every |w| in it equals the first one's exactly, zero when
    /// that common value is 0.</summary>
    public static IReadOnlyList<LayerUnification> Measure(ClassifierNet model, IReadOnlyList<string> parameters, BlockShape block)
    {
        var named = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var result = new List<LayerUnification>();
        foreach (var name in parameters)
        {
            if (!named.TryGetValue(name, out var p)) throw new ArgumentException($"{model.Arch} has no parameter '{name}'.", nameof(parameters));
            using var grid = new BlockGrid(p.shape, block, p.device);
            result.Add(Measure(name, p, grid));
        }
        return result;
    }

    /// <summary>The facts of one tensor (see <see cref="Measure(ClassifierNet, IReadOnlyList{string}, BlockShape)"/>).</summary>
    public static LayerUnification Measure(string name, Tensor weight, BlockGrid grid)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var a = weight.detach().abs().flatten();
        var reference = a.index_select(0, grid.First);                              // |w| of each block's first weight
        var differing = grid.BlockSum(a.ne(reference.index_select(0, grid.Ids)).to(ScalarType.Float32)); // weights whose |w| differs
        var unifiedBlocks = differing.eq(0);
        var zero = unifiedBlocks.logical_and(reference.eq(0));
        long weights = a.numel();
        long weightsInZeroBlocks = (long)(grid.Counts.to(a.device) * zero.to(ScalarType.Float32)).sum().item<float>();
        return new LayerUnification(name, grid.Block, weights, grid.Count,
            unifiedBlocks.count_nonzero().item<long>(), zero.count_nonzero().item<long>(),
            weights - a.count_nonzero().item<long>(), weightsInZeroBlocks);
    }
}
