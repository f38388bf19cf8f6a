using Apc.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Evaluation;

public class PointingTests
{
    private static Tensor Grid(int h, int w, params float[] values) => tensor(values).view(1, h, w);

    private static Tensor MaskAt(int h, int w, params (int Row, int Column)[] pixels)
    {
        var values = new float[h * w];
        foreach (var (r, c) in pixels) values[r * w + c] = 1f;
        return Grid(h, w, values);
    }

    [Fact]
    public void ChanceIsTheHitRateOfEveryPossibleMaximum()
    {
        using var scope = NewDisposeScope();
        var mask = MaskAt(3, 3, (0, 0), (1, 2), (2, 2));
        // Place the single maximum at each of the 9 pixels in turn: the share of hits is the chance level.
        int hits = 0;
        for (int i = 0; i < 9; i++)
        {
            var values = new float[9];
            values[i] = 1f;
            if (Pointing.Compute(Grid(3, 3, values), mask)[0]) hits++;
        }
        Assert.Equal(new[] { hits / 9.0 }, Pointing.Chance(mask));
        Assert.Equal(new[] { 3 / 9.0, 0.0 }, Pointing.Chance(cat(new[] { mask, zeros(1, 3, 3) }, 0)));
    }

    [Fact]
    public void HitWhenTheMaximumLiesInsideTheMask()
    {
        using var scope = NewDisposeScope();
        var map = Grid(3, 3, 0f, 1f, 2f, 3f, 4f, 9f, 5f, 6f, 7f); // maximum at (1,2)
        Assert.Equal(new[] { true }, Pointing.Compute(map, MaskAt(3, 3, (1, 2), (2, 2))));
        Assert.Equal(new[] { false }, Pointing.Compute(map, MaskAt(3, 3, (1, 1), (2, 2))));
    }

    [Fact]
    public void TiedMaximaPointAtTheFirstInRowMajorOrder()
    {
        using var scope = NewDisposeScope();
        var map = Grid(3, 3, 0f, 0f, 5f, 0f, 0f, 0f, 5f, 0f, 0f); // maxima at (0,2) and (2,0)
        Assert.Equal(new[] { true }, Pointing.Compute(map, MaskAt(3, 3, (0, 2))));
        Assert.Equal(new[] { false }, Pointing.Compute(map, MaskAt(3, 3, (2, 0))));
        // A constant map points at the top-left pixel.
        var constant = ones(1, 3, 3);
        Assert.Equal(new[] { true }, Pointing.Compute(constant, MaskAt(3, 3, (0, 0))));
        Assert.Equal(new[] { false }, Pointing.Compute(constant, MaskAt(3, 3, (0, 1), (1, 0), (2, 2))));
    }

    [Fact]
    public void ToleranceIsAEuclideanRadiusInPixels()
    {
        using var scope = NewDisposeScope();
        var map = zeros(1, 6, 6);
        map[0, 0, 0] = tensor(1f); // maximum at (0,0)
        var far = MaskAt(6, 6, (3, 4));  // distance 5
        var near = MaskAt(6, 6, (2, 2)); // distance √8 ≈ 2.83
        Assert.Equal(new[] { false }, Pointing.Compute(map, far, tolerancePixels: 4.99));
        Assert.Equal(new[] { true }, Pointing.Compute(map, far, tolerancePixels: 5));
        Assert.Equal(new[] { false }, Pointing.Compute(map, near, tolerancePixels: 2.8));
        Assert.Equal(new[] { true }, Pointing.Compute(map, near, tolerancePixels: 2.9));
        Assert.Equal(new[] { false }, Pointing.Compute(map, near));
    }

    [Fact]
    public void ABatchScoresEachSampleOnItsOwn()
    {
        using var scope = NewDisposeScope();
        var maps = cat([Grid(2, 2, 1f, 0f, 0f, 0f), Grid(2, 2, 0f, 0f, 0f, 1f), Grid(2, 2, 0f, 1f, 0f, 0f)], 0);
        var masks = cat([MaskAt(2, 2, (0, 0)), MaskAt(2, 2, (0, 0)), MaskAt(2, 2)], 0);
        Assert.Equal(new[] { true, false, false }, Pointing.Compute(maps, masks));
        // An empty mask is a miss whatever the tolerance.
        Assert.Equal(new[] { true, true, false }, Pointing.Compute(maps, masks, tolerancePixels: 100));
    }

    [Fact]
    public void BadInputGivesAClearError()
    {
        using var scope = NewDisposeScope();
        Assert.Contains("masks have shape [1,2,3]", Assert.Throws<ApcException>(() => Pointing.Compute(zeros(1, 2, 2), zeros(1, 2, 3))).Message);
        Assert.Contains("NaN", Assert.Throws<ApcException>(() => Pointing.Compute(full(1, 2, 2, float.NaN), zeros(1, 2, 2))).Message);
        Assert.Contains("[B,H,W]", Assert.Throws<ApcException>(() => Pointing.Compute(zeros(4, 4), zeros(4, 4))).Message);
        Assert.Contains("tolerance", Assert.Throws<UsageException>(() => Pointing.Compute(zeros(1, 2, 2), zeros(1, 2, 2), -1)).Message);
    }
}
