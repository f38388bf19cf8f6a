using Apc.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Evaluation;

public class ConsistencyTests
{
    private static Tensor Grid(int h, int w, params float[] values) => tensor(values).view(1, h, w);

    [Fact]
    public void MatchesAHandComputation()
    {
        using var scope = NewDisposeScope();
        var teacher = Grid(2, 2, 1, 0, 0, 0);
        var student = Grid(2, 2, 1, 1, 0, 0);

        var scores = Consistency.Compute(teacher, student);

        Assert.Equal(1 / Math.Sqrt(2), scores.Cosine[0], 12);
        // Ranks: teacher 4, 2, 2, 2 (three tied zeros share ranks 1..3); student 3.5, 3.5, 1.5, 1.5.
        // Centred: (1.5, -.5, -.5, -.5) and (1, 1, -1, -1): covariance 2, spreads 3 and 4.
        Assert.Equal(2 / Math.Sqrt(12), scores.Spearman[0], 12);
        // L_AM: ((1 - 1/√2)² + (1/√2)²) / 4 = (2 - 2/√2) / 4.
        Assert.Equal((2 - 2 / Math.Sqrt(2)) / 4, scores.MatchingDistance[0], 12);
        // Top 10% of 4 pixels is 1 pixel: {0} for the teacher, {0, 1} for the student (tie included).
        Assert.Equal(0.5, scores.TopKIou[0], 12);
    }

    [Fact]
    public void TopSetIncludesBoundaryTiesAndCountsWithoutRoundingNoise()
    {
        using var scope = NewDisposeScope();
        var teacher = Grid(2, 2, 3, 1, 2, 0);
        var student = Grid(2, 2, 1, 1, 0, 0);
        Assert.Equal(1.0 / 3, Consistency.Compute(teacher, student, topPercent: 50).TopKIou[0], 12); // {0,2} vs {0,1}
        Assert.Equal(0.5, Consistency.Compute(teacher, student, topPercent: 25).TopKIou[0], 12);     // {0} vs {0,1}

        // 16.1% of 1000 pixels is exactly 161, although 16.1 * 1000 / 100 evaluates to 161.00000000000003.
        var ramp = arange(1000, dtype: ScalarType.Float32).view(1, 25, 40);
        var promoted = ramp.clone();
        promoted[0, 20, 38] = tensor(5000f); // the pixel holding 838, 162nd largest, jumps to the top
        // Teacher {839..999}, student {838, 840..999}: 160 shared of 162 (a set of 162 would give 1).
        Assert.Equal(160.0 / 162, Consistency.Compute(ramp, promoted, topPercent: 16.1).TopKIou[0], 12);
    }

    [Fact]
    public void IdenticalScaledAndOpposedMaps()
    {
        using var scope = NewDisposeScope();
        var map = tensor(new float[] { 0.5f, 2f, 1f, 3f, 0f, 1.5f }).view(1, 2, 3);

        var same = Consistency.Compute(map, map * 5);
        Assert.Equal(1.0, same.Cosine[0], 12);
        Assert.Equal(1.0, same.Spearman[0], 12);
        Assert.Equal(1.0, same.TopKIou[0], 12);
        Assert.Equal(0.0, same.MatchingDistance[0], 12);

        var opposed = Consistency.Compute(map, -map);
        Assert.Equal(-1.0, opposed.Cosine[0], 12);
        Assert.Equal(-1.0, opposed.Spearman[0], 12);
        Assert.Equal(4.0 / 6, opposed.MatchingDistance[0], 12); // (2 - 2·(-1)) / N
    }

    [Fact]
    public void AZeroMapHasNoDirectionAndNoRanking()
    {
        using var scope = NewDisposeScope();
        var scores = Consistency.Compute(ones(1, 2, 2), zeros(1, 2, 2));
        Assert.True(double.IsNaN(scores.Cosine[0]));
        Assert.True(double.IsNaN(scores.Spearman[0]));
        // L_AM normalises the zero map to zero: Σ(1/2)² over 4 pixels, averaged.
        Assert.Equal(0.25, scores.MatchingDistance[0], 12);
        Assert.Equal(1.0, scores.TopKIou[0], 12); // both constant: every pixel selected
    }

    [Fact]
    public void BatchedScoresEqualOneByOneScores()
    {
        using var scope = NewDisposeScope();
        var generator = new Random(3);
        var teacher = tensor(Enumerable.Range(0, 3 * 16).Select(_ => (float)generator.Next(6)).ToArray()).view(3, 4, 4);
        var student = tensor(Enumerable.Range(0, 3 * 16).Select(_ => (float)generator.Next(6) - 1).ToArray()).view(3, 4, 4);
        var batched = Consistency.Compute(teacher, student, topPercent: 20);
        for (int b = 0; b < 3; b++)
        {
            var single = Consistency.Compute(teacher[b].unsqueeze(0), student[b].unsqueeze(0), topPercent: 20);
            Assert.Equal(single.Cosine[0], batched.Cosine[b], 12);
            Assert.Equal(single.Spearman[0], batched.Spearman[b], 12);
            Assert.Equal(single.TopKIou[0], batched.TopKIou[b], 12);
            Assert.Equal(single.MatchingDistance[0], batched.MatchingDistance[b], 12);
        }
    }

    [Fact]
    public void BadInputGivesAClearError()
    {
        using var scope = NewDisposeScope();
        Assert.Contains("student maps have shape", Assert.Throws<ApcException>(() => Consistency.Compute(zeros(1, 2, 2), zeros(2, 2, 2))).Message);
        Assert.Contains("top-k", Assert.Throws<UsageException>(() => Consistency.Compute(zeros(1, 2, 2), zeros(1, 2, 2), 0)).Message);
        Assert.Contains("top-k", Assert.Throws<UsageException>(() => Consistency.Compute(zeros(1, 2, 2), zeros(1, 2, 2), 101)).Message);
    }
}
