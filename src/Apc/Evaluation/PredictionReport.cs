namespace Apc.Evaluation;

/// <summary>Prediction quality of a multi-label classifier on one split, as computed by
/// <see cref="PredictionMetrics.Compute"/>. Every value is a fraction in [0,1]; a mean over an empty set
/// is NaN. See <see cref="PredictionMetrics"/> for the exact definitions.</summary>
/// <param name="Count">Number of images N that were scored.</param>
/// <param name="MapPerClass">Standard mAP: average precision of each class over the N images, averaged
/// over the classes that have at least one positive image.</param>
/// <param name="MapPerImage">The reference code's "mAP": average precision of each image over the K
/// classes, averaged over the images that have at least one positive label.</param>
/// <param name="F1">Sample-averaged F1 of the decisions logit &gt; 0 (sigmoid &gt; 0.5).</param>
/// <param name="Accuracy">Exact-match accuracy: share of images whose K decisions are all right.</param>
/// <param name="Agreement">Share of images whose top-1 class equals the reference model's top-1 class;
/// null when no reference logits were given.</param>
/// <param name="ApPerClass">Average precision of each class (length K); NaN for a skipped class.</param>
/// <param name="SkippedClasses">Classes without any positive image, left out of <paramref name="MapPerClass"/>.</param>
public sealed record PredictionReport(
    int Count,
    double MapPerClass,
    double MapPerImage,
    double F1,
    double Accuracy,
    double? Agreement,
    double[] ApPerClass,
    IReadOnlyList<int> SkippedClasses)
{
    /// <summary>The four scores result files report.</summary>
    public PredictionScores Scores => new(MapPerClass, MapPerImage, F1, Accuracy);
}
