using Apc.Evaluation;
using Apc.Evaluation.Statistics;

namespace Apc.Tests.Evaluation;

public class StatisticsTests
{
    [Theory]
    [InlineData(0.975, 1, 12.706205)]
    [InlineData(0.975, 2, 4.302653)]
    [InlineData(0.975, 4, 2.776445)]
    [InlineData(0.975, 10, 2.228139)]
    [InlineData(0.95, 3, 2.353363)]
    [InlineData(0.025, 2, -4.302653)]
    public void StudentTQuantilesMatchTables(double p, double df, double expected) =>
        Assert.InRange(StudentT.Quantile(p, df) - expected, -1e-6, 1e-6); // tables give 7 significant digits

    [Fact]
    public void StudentTQuantileApproachesTheNormalOneAndInvertsTheCdf()
    {
        Assert.Equal(1.959964, StudentT.Quantile(0.975, 1e7), 5);
        Assert.Equal(0.8, StudentT.Cdf(StudentT.Quantile(0.8, 3.5), 3.5), 12);
        Assert.Equal(0.5, StudentT.Cdf(0, 7), 15);
        // ν = 1 is the Cauchy distribution: F(t) = ½ + atan(t)/π.
        Assert.Equal(0.5 + Math.Atan(2.5) / Math.PI, StudentT.Cdf(2.5, 1), 12);
    }

    [Fact]
    public void TIntervalMatchesAHandComputation()
    {
        // Values 0.70, 0.74, 0.78: mean 0.74, s = 0.04, s/√3 = 0.0230940, half width 4.302653 · 0.0230940 = 0.0993655.
        var e = TInterval.Of([0.70, 0.74, 0.78]);
        Assert.Equal(3, e.N);
        Assert.Equal(0.74, e.Mean, 12);
        Assert.Equal(0.74 - 0.0993655, e.Low, 6);
        Assert.Equal(0.74 + 0.0993655, e.High, 6);
    }

    [Fact]
    public void OneValueHasNoIntervalAndNonFiniteValuesAreLeftOut()
    {
        var one = TInterval.Of([0.5, double.NaN]);
        Assert.Equal((0.5, 1, false), (one.Mean, one.N, one.HasInterval));
        Assert.True(double.IsNaN(one.Low) && double.IsNaN(one.High));
        Assert.Equal(0, TInterval.Of([]).N);
    }

    [Fact]
    public void BootstrapIsDeterministic()
    {
        var groups = new[]
        {
            new ClusterGroup([0, 0, 1, 2, 3, 3], [0.1, 0.3, -0.2, 0.05, 0.4, 0.0]),
            new ClusterGroup([5, 6, 7], [0.2, 0.1, -0.1]),
        };
        var first = ClusterBootstrap.Mean(groups);
        var second = ClusterBootstrap.Mean(groups);
        Assert.Equal(first.Overall, second.Overall);
        Assert.True(first.Overall.HasInterval);
        Assert.Equal(0.85 / 9, first.Overall.Mean, 12);
        Assert.Equal(9, first.Overall.N);
        Assert.Equal(7, first.Clusters);
        Assert.Equal(0.65 / 6, first.GroupMeans[0], 12);
        Assert.Equal(0.2 / 3, first.GroupMeans[1], 12);
        Assert.Equal([6, 3], first.GroupValues);
        Assert.InRange(first.Overall.Mean, first.Overall.Low, first.Overall.High);
        // Another generator seed draws other resamples.
        Assert.NotEqual(first.Overall, ClusterBootstrap.Mean(groups, new BootstrapOptions { Seed = 7 }).Overall);
    }

    [Fact]
    public void AConstantDifferenceGivesAZeroWidthIntervalAtThatConstant()
    {
        var groups = new[] { new ClusterGroup([0, 1, 1, 2], [0.125, 0.125, 0.125, 0.125]), new ClusterGroup([0, 4], [0.125, 0.125]) };
        var e = ClusterBootstrap.Mean(groups).Overall;
        Assert.Equal((0.125, 0.125, 0.125), (e.Mean, e.Low, e.High));
    }

    [Fact]
    public void ImagesAreResampledWithAllTheirPairs()
    {
        // Image 0 holds four pairs of value 0, image 1 one pair of value 1. A resample draws two images: {0,0} gives 0,
        // {1,1} gives 1, {0,1} gives 1/5 (pairs, not images, are averaged). With 2,000 resamples both extremes occur
        // more than 2.5 % of the time (each has probability 1/4), so the percentile interval is exactly [0, 1].
        var e = ClusterBootstrap.Mean([new ClusterGroup([0, 0, 0, 0, 1], [0, 0, 0, 0, 1])]).Overall;
        Assert.Equal((0.2, 0.0, 1.0), (e.Mean, e.Low, e.High));
        // A single image cannot be resampled into anything else: no interval.
        Assert.False(ClusterBootstrap.Mean([new ClusterGroup([3, 3], [0.1, 0.3])]).Overall.HasInterval);
        Assert.Equal(0, ClusterBootstrap.Mean([new ClusterGroup([], [])]).Overall.N);
    }

    [Fact]
    public void PercentileInterpolatesBetweenOrderStatistics()
    {
        double[] sorted = [1, 2, 4, 8, 16];
        Assert.Equal(1, ClusterBootstrap.Percentile(sorted, 0));
        Assert.Equal(16, ClusterBootstrap.Percentile(sorted, 1));
        Assert.Equal(3, ClusterBootstrap.Percentile(sorted, 0.375)); // position 1.5: halfway from 2 to 4
    }

    [Fact]
    public void PairedDifferencesUseThePairsBothModelsScored()
    {
        // a scored (0,1), (0,3), (2,1), (5,0); b scored (0,1), (2,1), (5,0), (7,2). Shared: (0,1), (2,1), (5,0);
        // the cosine of (5,0) is undefined in b, so the cosine differences are those of (0,1) and (2,1).
        var a = new PairRecords([0, 0, 2, 5], [1, 3, 1, 0], [true, false, true, true], [0.9, 0.8, 0.7, 0.6],
            [0.95, 0.5, 0.90, 0.80], [0.9, 0.5, 0.8, 0.7], [0.5, 0.4, 0.3, 0.2]);
        var b = new PairRecords([0, 2, 5, 7], [1, 1, 0, 2], [false, true, true, false], [0.5, 0.75, 0.6, 0.1],
            [0.85, 0.70, double.NaN, 0.3], [0.8, 0.8, 0.1, 0.1], [0.5, 0.1, 0.2, 0.9]);
        var cosine = PairedDifference.Match(a, b, "cosine")!;
        Assert.Equal([0, 2], cosine.Clusters);
        Assert.Equal([0.10, 0.20], cosine.Values.Select(v => Math.Round(v, 12)));
        var pointing = PairedDifference.Match(a, b, "pointing")!;
        Assert.Equal([0, 2, 5], pointing.Clusters);
        Assert.Equal([1.0, 0.0, 0.0], pointing.Values);
        var withoutReference = a with { Cosine = null };
        Assert.Null(PairedDifference.Match(withoutReference, b, "cosine"));
        Assert.Equal([0, 0, 2, 5], PairedDifference.Values(a, "auc")!.Clusters);
        Assert.Throws<ArgumentException>(() => a.Metric("energy"));
    }

    [Fact]
    public void PairsFileRoundTrips()
    {
        var p = new PairRecords([0, 0, 9], [1, 4, 2], [true, false, true], [0.9, double.NaN, 1.0 / 3], [0.1, -0.25, 1e-17], [0.5, 0.5, double.NaN], [0, 1, 0.5]);
        var back = PairsFile.FromJson(System.Text.Json.Nodes.JsonNode.Parse(PairsFile.ToJson(p).ToJsonString())!.AsObject());
        Assert.Equal(p.Image, back.Image);
        Assert.Equal(p.Class, back.Class);
        Assert.Equal(p.Pointing, back.Pointing);
        Assert.Equal(p.Auc, back.Auc);       // NaN is written as null and read back as NaN; 1/3 comes back bit for bit
        Assert.Equal(p.Cosine, back.Cosine);
        Assert.Equal(p.Spearman, back.Spearman);
        Assert.Equal(p.TopKIou, back.TopKIou);
        var noReference = PairsFile.FromJson(PairsFile.ToJson(p with { Cosine = null, Spearman = null, TopKIou = null }));
        Assert.Null(noReference.Cosine);
    }
}
