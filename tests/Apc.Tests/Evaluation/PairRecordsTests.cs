using Apc.Evaluation;

namespace Apc.Tests.Evaluation;

public class PairRecordsTests
{
    [Fact]
    public void ConsistencyOnPairsOfTheReferenceKeepsExactlyTheSharedPairs()
    {
        var model = new PairRecords([0, 0, 1, 2], [3, 5, 3, 1], [true, false, true, true], [0.9, 0.8, 0.7, 0.6],
            [0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8], [0.9, 1.0, 0.25, 0.75]);
        // The reference predicts (0,3) and (2,1), plus a pair the model does not predict.
        var reference = new PairRecords([0, 2, 4], [3, 1, 0], [true, true, true], [0.5, 0.5, 0.5], null, null, null);

        var kept = model.ConsistencyOnPairsOf(reference);

        Assert.Equal([0.1, double.NaN, double.NaN, 0.4], kept.Cosine!);
        Assert.Equal([0.5, double.NaN, double.NaN, 0.8], kept.Spearman!);
        Assert.Equal([0.9, double.NaN, double.NaN, 0.75], kept.TopKIou!);
        // Localisation is the model's own and stays as it was.
        Assert.Equal(model.Pointing, kept.Pointing);
        Assert.Equal(model.Auc, kept.Auc);
        Assert.Equal(model.Image, kept.Image);
        // Idempotent.
        Assert.Equal(kept.Cosine!, kept.ConsistencyOnPairsOf(reference).Cosine!);
    }

    [Fact]
    public void ConsistencyScoresWhereMasksTheRejectedSamples()
    {
        var scores = new ConsistencyScores([1, 0.5], [0.2, 0.3], [0.4, 0.6], [0.01, 0.02]);
        var kept = scores.Where([false, true]);
        Assert.Equal([double.NaN, 0.5], kept.Cosine);
        Assert.Equal([double.NaN, 0.02], kept.MatchingDistance);
        Assert.Throws<ArgumentException>(() => scores.Where([true]));
    }
}
