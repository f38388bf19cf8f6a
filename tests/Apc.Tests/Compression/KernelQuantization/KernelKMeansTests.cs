using Apc.Compression.KernelQuantization;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Compression.KernelQuantization;

public class KernelKMeansTests
{
    /// <summary>Four 3×3 kernels far apart, each with six neighbours at ±0.1 along three axes: every cluster's mean is
    /// its centre exactly, and no neighbour is nearer another centre.</summary>
    static (Tensor Points, double[][] Centres, long[] Cluster) Hand()
    {
        var centres = new[]
        {
            new double[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 },
            new double[] { -2, -2, -2, 0, 0, 0, 2, 2, 2 },
            new double[] { 0, 3, 0, 3, -3, 3, 0, 3, 0 },
            new double[] { 0, 0, 0, 0, 0, 0, 0, 0, 0 },
        };
        var rows = new List<double[]>();
        var cluster = new List<long>();
        // Interleaved, so that the clusters are not contiguous blocks of rows.
        for (int axis = 0; axis < 3; axis++)
            foreach (var sign in new[] { 1.0, -1.0 })
                for (int c = 0; c < centres.Length; c++)
                {
                    var p = (double[])centres[c].Clone();
                    p[axis * 4] += 0.1 * sign;
                    rows.Add(p);
                    cluster.Add(c);
                }
        var points = tensor(rows.SelectMany(r => r).ToArray()).reshape(rows.Count, 9);
        return (points, centres, cluster.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void RecoversKnownCentresAndAssignments(int seed)
    {
        var (points, centres, cluster) = Hand();
        using var fit = KernelKMeans.Fit(points, count: 4, iterations: 20, seed);

        Assert.Equal(new long[] { 4, 9 }, fit.Centres.shape);
        // Centre numbering depends on the seed; map each found centre to the hand-made one it equals.
        var found = fit.Centres.data<double>().ToArray().Chunk(9).ToArray();
        var map = found.Select(f => Array.FindIndex(centres, c => c.Zip(f).All(z => Math.Abs(z.First - z.Second) < 1e-12))).ToArray();
        Assert.DoesNotContain(-1, map);
        Assert.Equal(4, map.Distinct().Count());
        var assigned = fit.Assignments.data<long>().ToArray();
        Assert.Equal(cluster, assigned.Select(a => (long)map[a]).ToArray());
        Assert.Equal(24 * 0.01, fit.Error, 9); // every point 0.1 from its centre
        Assert.True(fit.Iterations < 20, "the assignments settle");
    }

    [Fact]
    public void ASeedGivesOneClustering()
    {
        torch.manual_seed(4);
        var points = randn(300, 9, dtype: float64);
        using var a = KernelKMeans.Fit(points, 8, 10, seed: 3);
        using var b = KernelKMeans.Fit(points, 8, 10, seed: 3);
        TensorAssert.Same(a.Centres, b.Centres, "centres");
        TensorAssert.Same(a.Assignments, b.Assignments, "assignments");
    }

    [Fact]
    public void FewerDistinctKernelsThanEntriesGiveAnEntryPerDistinctKernel()
    {
        // Twelve kernels, three distinct: a 16-entry codebook keeps three entries, each the kernel itself.
        var distinct = new[] { zeros(9, dtype: float64), ones(9, dtype: float64), full(9, -0.5, dtype: float64) };
        var points = stack(Enumerable.Range(0, 12).Select(i => distinct[i % 3]).ToArray());
        using var fit = KernelKMeans.Fit(points, 16, 10, seed: 0);
        Assert.Equal(3, fit.Centres.shape[0]);
        TensorAssert.Same(points, fit.Centres.index(fit.Assignments), "every kernel is its entry");
        Assert.Equal(0, fit.Error);
        Assert.Equal(2, KernelCodebook.IndexBitsFor(3));
        Assert.Equal(0, KernelCodebook.IndexBitsFor(1));
        Assert.Equal(4, KernelCodebook.IndexBitsFor(16));
    }
}
