using Apc.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Evaluation;

public class PredictionMetricsTests
{
    private static Tensor Matrix(float[,] values) => tensor(values);

    [Fact]
    public void AveragePrecisionIsTheMeanPrecisionAtEachPositive()
    {
        // Ranked: 0.9(+) 0.8(-) 0.7(+) 0.6(-): precision 1/1 and 2/3 at the positives.
        double ap = PredictionMetrics.AveragePrecision(new[] { 0.9f, 0.8f, 0.7f, 0.6f }, new[] { true, false, true, false });
        Assert.Equal((1.0 + 2.0 / 3) / 2, ap, 12);
    }

    [Fact]
    public void TiedScoresFormOneThresholdWhateverTheirOrder()
    {
        // 0.9(-) | 0.5(+) 0.5(-) | 0.1(+): the tied positive gets the precision at the end of its group, 1/3;
        // the last positive gets 2/4. AP = (1/3 + 1/2) / 2 = 5/12 (scikit-learn gives the same).
        double expected = (1.0 / 3 + 0.5) / 2;
        Assert.Equal(expected, PredictionMetrics.AveragePrecision(new[] { 0.9f, 0.5f, 0.5f, 0.1f }, new[] { false, true, false, true }), 12);
        Assert.Equal(expected, PredictionMetrics.AveragePrecision(new[] { 0.9f, 0.5f, 0.5f, 0.1f }, new[] { false, false, true, true }), 12);
        Assert.Equal(expected, PredictionMetrics.AveragePrecision(new[] { 0.1f, 0.5f, 0.9f, 0.5f }, new[] { true, false, false, true }), 12);
    }

    [Fact]
    public void AveragePrecisionWithoutPositivesIsNaN()
    {
        Assert.True(double.IsNaN(PredictionMetrics.AveragePrecision(new[] { 1f, 2f }, new[] { false, false })));
    }

    [Fact]
    public void ReportMatchesAHandComputation()
    {
        using var scope = NewDisposeScope();
        var logits = Matrix(new float[,] { { 2f, -1f, 0.5f }, { -1f, 3f, -1f }, { -2f, 1f, 0f } });
        var labels = Matrix(new float[,] { { 1f, 0f, 0f }, { 0f, 1f, 0f }, { 1f, 1f, 0f } });
        // Reference top-1: class 1, class 1, and a tie between 0 and 1 resolved to the first, class 0.
        var reference = Matrix(new float[,] { { 0f, 5f, 0f }, { 0f, 1f, 0f }, { 1f, 1f, 0f } });

        var report = PredictionMetrics.Compute(logits, labels, reference);

        Assert.Equal(3, report.Count);
        // Class 0: 2(+) -1(-) -2(+) -> AP 5/6. Class 1: 3(+) 1(+) -1(-) -> 1. Class 2 has no positive.
        Assert.Equal(5.0 / 6, report.ApPerClass[0], 12);
        Assert.Equal(1.0, report.ApPerClass[1], 12);
        Assert.True(double.IsNaN(report.ApPerClass[2]));
        Assert.Equal(new[] { 2 }, report.SkippedClasses);
        Assert.Equal((5.0 / 6 + 1.0) / 2, report.MapPerClass, 12);
        // Image 0: AP 1. Image 1: AP 1. Image 2: 1(+) 0(-) -2(+) -> 5/6.
        Assert.Equal((1.0 + 1.0 + 5.0 / 6) / 3, report.MapPerImage, 12);
        // Decisions logit > 0 (a logit of exactly 0 is not predicted):
        // image 0 {0,2} vs {0}: F1 2/3; image 1 {1} vs {1}: 1; image 2 {1} vs {0,1}: 2/3.
        Assert.Equal((2.0 / 3 + 1.0 + 2.0 / 3) / 3, report.F1, 12);
        Assert.Equal(1.0 / 3, report.Accuracy, 12);
        // Top-1 of the logits: 0, 1, 1; of the reference: 1, 1, 0.
        Assert.Equal(1.0 / 3, report.Agreement!.Value, 12);
    }

    [Fact]
    public void PerfectPredictionsScoreOne()
    {
        using var scope = NewDisposeScope();
        var labels = Matrix(new float[,] { { 1f, 0f, 1f, 0f }, { 0f, 1f, 0f, 0f }, { 0f, 0f, 0f, 1f }, { 1f, 1f, 0f, 1f } });
        var logits = labels * 6 - 3;

        var report = PredictionMetrics.Compute(logits, labels, referenceLogits: logits);

        Assert.Equal(1.0, report.MapPerClass);
        Assert.Equal(1.0, report.MapPerImage);
        Assert.Equal(1.0, report.F1);
        Assert.Equal(1.0, report.Accuracy);
        Assert.Equal(1.0, report.Agreement);
        Assert.Empty(report.SkippedClasses);
        Assert.All(report.ApPerClass, ap => Assert.Equal(1.0, ap));
    }

    [Fact]
    public void AnImageWithoutLabelsAndWithoutPredictionsIsPerfectForF1AndSkippedByPerImageMap()
    {
        using var scope = NewDisposeScope();
        var labels = Matrix(new float[,] { { 0f, 0f }, { 1f, 0f } });
        var logits = Matrix(new float[,] { { -1f, -2f }, { 0.3f, -1f } }); // 0.3 > 0: predicted (sigmoid 0.57)

        var report = PredictionMetrics.Compute(logits, labels);

        Assert.Equal(1.0, report.F1);
        Assert.Equal(1.0, report.Accuracy);
        Assert.Equal(1.0, report.MapPerImage); // only image 1 counts
        Assert.Null(report.Agreement);
        Assert.Equal(new[] { 1 }, report.SkippedClasses);
    }

    [Fact]
    public void BadInputGivesAClearError()
    {
        using var scope = NewDisposeScope();
        var logits = zeros(2, 3);
        Assert.Contains("labels have shape [2,4]", Assert.Throws<ApcException>(() => PredictionMetrics.Compute(logits, zeros(2, 4))).Message);
        Assert.Contains("multi-hot", Assert.Throws<ApcException>(() => PredictionMetrics.Compute(logits, full(2, 3, 2f))).Message);
        Assert.Contains("[N,K]", Assert.Throws<ApcException>(() => PredictionMetrics.Compute(zeros(6), zeros(6))).Message);
        Assert.Contains("reference logits", Assert.Throws<ApcException>(() => PredictionMetrics.Compute(logits, zeros(2, 3), zeros(3, 3))).Message);
        Assert.Contains("NaN", Assert.Throws<ApcException>(() => PredictionMetrics.Compute(full(2, 3, float.NaN), zeros(2, 3))).Message);
    }
}
