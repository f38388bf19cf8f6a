using Apc.Compression.Unification;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Compression.Unification;

public class WeightUnificationTests
{
    /// <summary>A conv weight [3 filters, 1 input channel, 2×3 kernel]: rows of L = 6, cut by 1x4 blocks into a block of 4
    /// and an edge block of 2 per filter, 6 blocks in all.</summary>
    static Tensor HandWrittenLayer() => tensor(new float[]
    {
        0.3f, -0.1f, 0.2f, -0.2f,   0.5f, -0.7f,   // b0: mean |w| 0.2, B·m² 0.16;  b1: 0.6, 0.72
        -0.05f, 0.05f, 0.1f, 0f,    0.2f, -0.3f,   // b2: 0.05, 0.01;               b3: 0.25, 0.125
        0.4f, 0.4f, -0.4f, 0f,      -0.1f, 0f,     // b4: 0.3, 0.36 (w = 0 gets +); b5: 0.05, 0.005
    }).view(3, 1, 2, 3);

    [Fact]
    public void ProjectionOfAHandWrittenLayerKeepsSignsUsesTheMeanMagnitudeAndZeroesTheCheapestBlocks()
    {
        using var w = HandWrittenLayer();
        using var grid = new BlockGrid(w.shape, BlockShape.Parse("1x4"), w.device);
        Assert.Equal(6, grid.Count);
        Assert.Equal(new float[] { 4, 2, 4, 2, 4, 2 }, grid.Counts.data<float>().ToArray());
        long zeroBlocks = WeightUnification.ZeroCount(1.0 / 3, grid.Count);
        Assert.Equal(2, zeroBlocks);

        var projected = WeightUnification.Project(new[] { w }, new[] { grid }, zeroBlocks);
        using var p = projected[0];
        // By hand: zero the two blocks of smallest B·m², b5 (0.005) and b2 (0.01). b3 (m 0.25, B·m² 0.125) is kept although
        // b0 has the smaller mean (0.2, B·m² 0.16): zeroing the edge block costs less.
        var expected = tensor(new float[]
        {
            0.2f, -0.2f, 0.2f, -0.2f,   0.6f, -0.6f,
            0f, 0f, 0f, 0f,             0.25f, -0.25f,
            0.3f, 0.3f, -0.3f, 0.3f,    0f, 0f,
        }).view(3, 1, 2, 3);
        TensorAssert.Close(expected, p.Value, rtol: 1e-6, atol: 1e-7, what: "projection");
        Assert.Equal(new[] { true, true, false, true, true, false }, p.Keep.data<bool>().ToArray());
        Assert.Equal(2, p.ZeroBlocks);
        TensorAssert.Same(tensor(new float[] { 1, -1, 1, -1, 1, -1, -1, 1, 1, 1, 1, -1, 1, 1, -1, 1, -1, 1 }).view(3, 1, 2, 3), p.Signs, "signs");

        // Measured from the projected values: every block shares one magnitude exactly, two are zero.
        var facts = WeightUnification.Measure("w", p.Value, grid);
        Assert.Equal((6L, 6L, 2L, 18L, 6L, 6L), (facts.Blocks, facts.UnifiedBlocks, facts.ZeroBlocks, facts.Weights, facts.ZeroWeights, facts.WeightsInZeroBlocks));
        // Bits: 6 zero flags + 4 magnitudes × 32 + 12 sign bits of the non-zero blocks.
        Assert.Equal(6 + 4 * 32 + 12, facts.Bits);
        // The layer as written has no block whose magnitudes are all equal.
        Assert.Equal(0, WeightUnification.Measure("w", w, grid).UnifiedBlocks);
    }

    [Fact]
    public void EdgeBlocksAreSmallerInBothDirections()
    {
        // [3, 6] with 2x4 blocks: rows {0,1} and {2}, columns 0..3 and 4..5.
        using var grid = new BlockGrid(new long[] { 3, 6 }, new BlockShape(2, 4), CPU);
        Assert.Equal(new float[] { 8, 4, 4, 2 }, grid.Counts.data<float>().ToArray());
        Assert.Equal(new long[] { 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3 }, grid.Ids.data<long>().ToArray());
        Assert.Equal(new long[] { 0, 4, 12, 16 }, grid.First.data<long>().ToArray());
    }

    [Fact]
    public void FixedStructureProjectionIsTheSignedBlockMeanAndKeepsZeroBlocks()
    {
        using var w = HandWrittenLayer();
        using var grid = new BlockGrid(w.shape, new BlockShape(1, 4), w.device);
        using var p = WeightUnification.Project(new[] { w }, new[] { grid }, 2)[0];
        // A training step moved the weights off the structure; the fixed projection takes mean(s·w) per kept block.
        using var moved = p.Value + tensor(new float[] { 0.1f, 0, 0, 0, 0.2f, 0, 0, 0, 0, 0, 0, 0.4f, 0, 0, 0, 0, 0.3f, 0 }).view(3, 1, 2, 3);
        p.Apply(moved);
        var expected = tensor(new float[]
        {
            0.225f, -0.225f, 0.225f, -0.225f,   0.7f, -0.7f,       // b0: mean(0.3, 0.2, 0.2, 0.2); b1: mean(0.8, 0.6)
            0f, 0f, 0f, 0f,                     0.05f, -0.05f,     // b3: mean(0.25, 0.25 − 0.4)
            0.3f, 0.3f, -0.3f, 0.3f,            0f, 0f,            // b5 stays zero
        }).view(3, 1, 2, 3);
        TensorAssert.Close(expected, moved, rtol: 1e-6, atol: 1e-7, what: "fixed projection");
        Assert.Equal(6, WeightUnification.Measure("w", moved, grid).UnifiedBlocks);
    }

    [Fact]
    public void AdmmReducesTheDistanceToTheUnifiedSetOnAToyProblem()
    {
        // min ½‖W − A‖² subject to W unified (1x4 blocks, a quarter of them zero). The W-step of scaled ADMM has the closed
        // form W = (A + ρ(Z − U)) / (1 + ρ); ρ doubles per iteration.
        torch.manual_seed(3);
        using var a = randn(8, 4, 3, 3);
        using var grid = new BlockGrid(a.shape, new BlockShape(1, 4), a.device);
        var grids = new[] { grid };
        long zeroBlocks = WeightUnification.ZeroCount(0.25, grid.Count);
        var w = a.clone();
        using var admm = new UnificationAdmm(new[] { w }, grids, zeroBlocks, rho: 0.5);
        var distances = new List<double> { WeightUnification.RelativeDistance(new[] { w }, grids, zeroBlocks) };
        for (int k = 1; k <= 8; k++)
        {
            if (k > 1) admm.ChangeRho(0.5 * Math.Pow(2, k - 1));
            var next = (a + admm.Rho * (admm.Z[0] - admm.U[0])) / (1 + admm.Rho);
            w.Dispose();
            w = next;
            distances.Add(WeightUnification.RelativeDistance(new[] { w }, grids, zeroBlocks));
            admm.Update(new[] { w });
        }
        for (int k = 1; k < distances.Count; k++)
            Assert.True(distances[k] < distances[k - 1], $"distance rose at iteration {k}: {string.Join(", ", distances)}");
        Assert.True(distances[^1] < 0.02 * distances[0], string.Join(", ", distances));
        // Z is always on the set: every block unified, exactly the requested number zero.
        var z = WeightUnification.Measure("z", admm.Z[0], grid);
        Assert.Equal((grid.Count, zeroBlocks), (z.UnifiedBlocks, z.ZeroBlocks));
        w.Dispose();
    }

    [Fact]
    public void ChangingRhoRescalesTheScaledDual()
    {
        torch.manual_seed(4);
        using var w0 = randn(4, 8);
        using var grid = new BlockGrid(w0.shape, new BlockShape(1, 4), w0.device);
        using var admm = new UnificationAdmm(new[] { w0 }, new[] { grid }, 2, rho: 1);
        using var w1 = randn(4, 8);
        admm.Update(new[] { w1 });
        using var dual = admm.U[0] * admm.Rho;       // the unscaled dual ρ·U
        admm.ChangeRho(4);
        TensorAssert.Close(dual, admm.U[0] * admm.Rho, what: "ρ·U after the change");
    }

    [Fact]
    public void BadOptionsAreOneLineUsageErrorsNamingTheOption()
    {
        string Message(Action a) => Assert.Throws<UsageException>(a).Message;
        Assert.Contains("--block-shape: '4' is not RxS", Message(() => BlockShape.Parse("4")));
        Assert.Contains("--block-shape 1x1: a block of one weight unifies nothing", Message(() => BlockShape.Parse("1x1")));
        Assert.Contains("--block-shape 0x4", Message(() => BlockShape.Parse("0x4")));
        Assert.Contains("--zero-fraction must be in [0, 1)", Message(() => new UnificationOptions(ZeroFraction: 1).Validated()));
        Assert.Contains("--rho must be a positive number", Message(() => new UnificationOptions(Rho: 0).Validated()));
        Assert.Contains("--rho-growth must be at least 1", Message(() => new UnificationOptions(RhoGrowth: 0.5).Validated()));
        Assert.Contains("--admm-iterations", Message(() => new UnificationOptions(AdmmIterations: -1).Validated()));
        Assert.Contains("--admm-epochs", Message(() => new UnificationOptions(AdmmEpochs: 0).Validated()));
        Assert.Equal("2x2", BlockShape.Parse(" 2X2 ").ToString());
        foreach (var m in new[] { Message(() => BlockShape.Parse("1x")), Message(() => new UnificationOptions(Rho: double.NaN).Validated()) })
            Assert.DoesNotContain('\n', m);
    }
}
