using static TorchSharp.torch;

namespace Apc.Compression.KernelQuantization;

/// <summary>Seeded k-means over the kernels of one conv layer (each kernel a point of k_h·k_w weights), in float64 on the
/// CPU so that a seed gives the same codebook on every device. Plain k-means on the raw kernels: no normalisation and no
/// per-kernel scale, so it minimises the squared error ‖W − Ŵ‖² of the layer's weight directly.</summary>
public static class KernelKMeans
{
    /// <summary>The clustering of a layer's kernels.</summary>
    /// <param name="Centres">float64 [K, d], K ≤ the requested count (fewer when the layer has fewer distinct kernels);
    /// every centre has at least one kernel.</param>
    /// <param name="Assignments">int64 [N]: each kernel's nearest centre (ties to the lower index).</param>
    /// <param name="Iterations">Lloyd iterations run (fewer than the limit when the assignments stopped changing).</param>
    /// <param name="Error">Σ ‖x − c(x)‖² over the kernels.</param>
    public sealed record Result(Tensor Centres, Tensor Assignments, int Iterations, double Error) : IDisposable
    {
        /// <summary>Disposes both tensors.</summary>
        public void Dispose()
        {
            Centres.Dispose();
            Assignments.Dispose();
        }
    }

    const long Chunk = 4096; // points per distance block, so that the N×K×d differences never fill memory at once

    /// <summary>Clusters the rows of <paramref name="points"/> [N, d] into at most <paramref name="count"/> centres:
    /// k-means++ initialisation drawn from <paramref name="seed"/>, then at most <paramref name="iterations"/> Lloyd
    /// iterations (assign every point to its nearest centre, move every centre to the mean of its points). A centre left
    /// without points is moved to the point farthest from its own centre. The caller owns the result.</summary>
    public static Result Fit(Tensor points, int count, int iterations, int seed)
    {
        if (points.dim() != 2) throw new ArgumentException($"k-means needs points [N, d] (got [{string.Join(',', points.shape)}]).", nameof(points));
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), "k-means needs at least one centre.");
        if (points.shape[0] == 0) throw new ArgumentException("k-means needs at least one point.", nameof(points));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = points.detach().to(float64).cpu().contiguous();
        var centres = Initial(x, count, seed);
        var assignment = Assign(x, centres).Index;
        int run = 0;
        for (int i = 1; i <= iterations; i++)
        {
            run = i;
            centres = Update(x, assignment, centres);
            var next = Assign(x, centres).Index;
            bool settled = next.equal(assignment).all().item<bool>();
            assignment = next;
            if (settled) break;
        }
        // Drop centres without points (only possible when fewer distinct kernels than centres) and renumber.
        var counts = bincount(assignment, minlength: centres.shape[0]);
        var used = counts.gt(0);
        if (!used.all().item<bool>())
        {
            var renumber = used.to(int64).cumsum(0).sub(1);
            centres = centres.index(used);
            assignment = renumber.index(assignment);
        }
        var (_, distance) = Assign(x, centres);
        double error = distance.sum().item<double>();
        return new Result(centres.MoveToOuterDisposeScope(), assignment.MoveToOuterDisposeScope(), run, error);
    }

    /// <summary>k-means++: the first centre uniformly, each next one with probability proportional to the squared
    /// distance to its nearest chosen centre; stops early when every point coincides with a chosen centre.</summary>
    static Tensor Initial(Tensor x, int count, int seed)
    {
        var random = new Random(seed);
        long n = x.shape[0];
        var chosen = new List<long> { random.NextInt64(n) };
        var nearest = x.sub(x[chosen[0]]).pow(2).sum(1);
        while (chosen.Count < count)
        {
            double total = nearest.sum().item<double>();
            if (!(total > 0)) break;
            double target = random.NextDouble() * total;
            var cumulative = nearest.cumsum(0);
            long pick = Math.Min(n - 1, cumulative.lt(target).sum().item<long>());
            while (nearest[pick].item<double>() <= 0) pick = (pick + 1) % n; // never a point already chosen
            chosen.Add(pick);
            nearest = minimum(nearest, x.sub(x[pick]).pow(2).sum(1));
        }
        return x.index(tensor(chosen.ToArray())).clone();
    }

    /// <summary>Each point's nearest centre (the lowest index among equals) and its squared distance.</summary>
    static (Tensor Index, Tensor Distance) Assign(Tensor x, Tensor centres)
    {
        var indices = new List<Tensor>();
        var distances = new List<Tensor>();
        for (long start = 0; start < x.shape[0]; start += Chunk)
        {
            var rows = x.narrow(0, start, Math.Min(Chunk, x.shape[0] - start));
            // The differences themselves, not ‖x‖² − 2x·c + ‖c‖², whose rounding could reorder near-equal centres.
            var d = rows.unsqueeze(1).sub(centres.unsqueeze(0)).pow(2).sum(2);
            var (value, index) = d.min(1);
            indices.Add(index);
            distances.Add(value);
        }
        return (cat(indices, 0), cat(distances, 0));
    }

    /// <summary>Moves each centre to the mean of its points; an empty centre to the point farthest from its centre.</summary>
    static Tensor Update(Tensor x, Tensor assignment, Tensor centres)
    {
        long k = centres.shape[0];
        var sums = zeros_like(centres).index_add_(0, assignment, x, 1);
        var counts = bincount(assignment, minlength: k).to(float64);
        var next = where(counts.gt(0).unsqueeze(1), sums.div(counts.clamp_min(1).unsqueeze(1)), centres);
        var empty = counts.eq(0).nonzero().flatten();
        if (empty.numel() > 0)
        {
            var distance = x.sub(next.index(assignment)).pow(2).sum(1);
            foreach (long e in empty.data<long>().ToArray())
            {
                var (far, at) = distance.max(0);
                if (!(far.item<double>() > 0)) break; // every point sits on its centre: nothing to split
                long point = at.item<long>();
                next[e] = x[point];
                distance[point] = 0;
            }
        }
        return next;
    }
}
