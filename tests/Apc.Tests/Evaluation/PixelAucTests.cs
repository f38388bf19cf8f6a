using Apc.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Evaluation;

public class PixelAucTests
{
    private static Tensor Grid(int h, int w, params float[] values) => tensor(values).view(1, h, w);

    [Fact]
    public void MatchesAHandComputation()
    {
        using var scope = NewDisposeScope();
        // Positives score 0.35 and 0.8, negatives 0.1 and 0.4: 3 of the 4 (positive, negative) pairs are ordered.
        var auc = PixelAuc.Compute(Grid(2, 2, 0.1f, 0.4f, 0.35f, 0.8f), Grid(2, 2, 0f, 0f, 1f, 1f));
        Assert.Equal(0.75, auc[0], 12);
    }

    [Fact]
    public void TiesCountOneHalf()
    {
        using var scope = NewDisposeScope();
        // Positives {2, 3}, negatives {1, 2}: pairs 2>1, 2=2 (one half), 3>1, 3>2 -> 3.5 / 4.
        var auc = PixelAuc.Compute(Grid(2, 2, 1f, 2f, 2f, 3f), Grid(2, 2, 0f, 1f, 0f, 1f));
        Assert.Equal(0.875, auc[0], 12);
        Assert.Equal(0.5, PixelAuc.Compute(full(1, 3, 3, 7f), Grid(3, 3, 1, 0, 0, 1, 0, 0, 1, 0, 0))[0], 12);
    }

    [Fact]
    public void EqualsTheProbabilityOfOrderedPairsAndIgnoresMinMaxScaling()
    {
        using var scope = NewDisposeScope();
        var generator = new Random(7);
        const int h = 6, w = 5, batch = 3;
        // Values on a coarse grid so that many pixels tie.
        var values = Enumerable.Range(0, batch * h * w).Select(_ => (float)generator.Next(5)).ToArray();
        var maskValues = Enumerable.Range(0, batch * h * w).Select(_ => generator.Next(3) == 0 ? 1f : 0f).ToArray();
        var maps = tensor(values).view(batch, h, w);
        var masks = tensor(maskValues).view(batch, h, w);

        var auc = PixelAuc.Compute(maps, masks);
        var scaled = PixelAuc.Compute((maps - maps.amin([1, 2], keepdim: true)) * 0.25f, masks);

        for (int b = 0; b < batch; b++)
        {
            double ordered = 0; int pairs = 0;
            for (int i = 0; i < h * w; i++)
                for (int j = 0; j < h * w; j++)
                {
                    int p = b * h * w + i, q = b * h * w + j;
                    if (maskValues[p] != 1f || maskValues[q] != 0f) continue;
                    pairs++;
                    ordered += values[p] > values[q] ? 1 : values[p] == values[q] ? 0.5 : 0;
                }
            Assert.Equal(ordered / pairs, auc[b], 12);
            Assert.Equal(auc[b], scaled[b], 12);
        }
    }

    [Fact]
    public void UndefinedWhenTheMaskIsAllZeroOrAllOne()
    {
        using var scope = NewDisposeScope();
        var maps = tensor(new float[] { 1, 2, 3, 4, 1, 2, 3, 4 }).view(2, 2, 2);
        var masks = tensor(new float[] { 0, 0, 0, 0, 1, 1, 1, 1 }).view(2, 2, 2);
        var auc = PixelAuc.Compute(maps, masks);
        Assert.True(double.IsNaN(auc[0]));
        Assert.True(double.IsNaN(auc[1]));
    }

    [Fact]
    public void BooleanMasksAreAccepted()
    {
        using var scope = NewDisposeScope();
        var map = Grid(2, 2, 0.1f, 0.4f, 0.35f, 0.8f);
        var mask = Grid(2, 2, 0f, 0f, 1f, 1f);
        Assert.Equal(PixelAuc.Compute(map, mask), PixelAuc.Compute(map, mask.gt(0.5)));
    }
}
