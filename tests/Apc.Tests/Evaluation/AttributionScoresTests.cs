using Apc.Evaluation;

namespace Apc.Tests.Evaluation;

public class AttributionScoresTests
{
    private static ConsistencyScores Consistency(params double[] cosine) =>
        new(cosine, cosine.Select(c => c / 2).ToArray(), cosine.Select(_ => 1.0).ToArray(), cosine.Select(c => 1 - c).ToArray());

    [Fact]
    public void MeansSkipUndefinedValuesAndCountThem()
    {
        var scores = new AttributionScores();
        scores.Add(3, pointing: [true, false, true], pixelAuc: [0.5, double.NaN, 1.0], consistency: Consistency(1.0, 0.5, double.NaN));
        scores.Add(2, pointing: [true, true], pixelAuc: [0.75, 0.25], energy: [0.2, double.NaN]);

        var summary = scores.Summarize();

        Assert.Equal(5, summary.Pairs);
        Assert.Equal(new MetricMean(4.0 / 5, 5, 0), summary.Pointing);
        Assert.Equal(new MetricMean((0.5 + 1.0 + 0.75 + 0.25) / 4, 4, 1), summary.PixelAuc);
        Assert.Equal(new MetricMean(0.2, 1, 1), summary.Energy);
        Assert.Equal(new MetricMean(0.75, 2, 1), summary.Cosine);
        Assert.Equal(new MetricMean(0.375, 2, 1), summary.Spearman);
        Assert.Equal(new MetricMean(1.0, 3, 0), summary.TopKIou);
        Assert.Equal(new MetricMean(0.25, 2, 1), summary.MatchingDistance);
        Assert.Equal(0, summary.DeletionAuc.Count);
        Assert.True(double.IsNaN(summary.DeletionAuc.Mean));
    }

    [Fact]
    public void MergingEqualsAddingEverythingToOne()
    {
        var deletion = new FaithfulnessCurves([0, 1], [[0.9, 0.5], [0.8, 0.5]], [0.7, 0.65]);
        var one = new AttributionScores();
        one.Add(2, pointing: [true, false], deletion: deletion);
        one.Add(1, pointing: [false], pixelAuc: [0.4]);
        var left = new AttributionScores();
        left.Add(2, pointing: [true, false], deletion: deletion);
        var right = new AttributionScores();
        right.Add(1, pointing: [false], pixelAuc: [0.4]);

        left.Merge(right);

        Assert.Equal(one.Summarize(), left.Summarize());
        Assert.Equal(new MetricMean(0.675, 2, 0), left.Summarize().DeletionAuc);
    }

    [Fact]
    public void ValuesMustMatchThePairCount()
    {
        var scores = new AttributionScores();
        Assert.Contains("2 pixel AUC values were given for 3 pairs",
            Assert.Throws<ArgumentException>(() => scores.Add(3, pixelAuc: [0.1, 0.2])).Message);
        Assert.Equal(0, scores.Pairs);
    }
}
