namespace Apc.Evaluation;

/// <summary>Means of the attribution metrics over every pair added to an <see cref="AttributionScores"/>.
/// A metric that was never added has Count = 0, Skipped = 0 and a NaN mean.</summary>
/// <param name="Pairs">Number of (image, class) pairs added.</param>
/// <param name="Pointing">Share of pointing hits (<see cref="Evaluation.Pointing"/>).</param>
/// <param name="PixelAuc">Mean pixel ROC-AUC (<see cref="Evaluation.PixelAuc"/>).</param>
/// <param name="Energy">Mean energy share inside the mask (<see cref="EnergyPointing"/>).</param>
/// <param name="Cosine">Mean teacher–student cosine similarity (<see cref="Consistency"/>).</param>
/// <param name="Spearman">Mean teacher–student Spearman correlation.</param>
/// <param name="TopKIou">Mean teacher–student top-k% IoU.</param>
/// <param name="MatchingDistance">Mean teacher–student matching distance L_AM.</param>
/// <param name="DeletionAuc">Mean area under the deletion curve (<see cref="Faithfulness"/>).</param>
/// <param name="InsertionAuc">Mean area under the insertion curve.</param>
/// <param name="PointingChance">Chance level of the pointing game on the same pairs: the mean share of the image the
/// class's mask covers (<see cref="Evaluation.Pointing.Chance"/>), what a uniformly random maximum would score.</param>
public sealed record AttributionSummary(
    int Pairs,
    MetricMean Pointing,
    MetricMean PixelAuc,
    MetricMean Energy,
    MetricMean Cosine,
    MetricMean Spearman,
    MetricMean TopKIou,
    MetricMean MatchingDistance,
    MetricMean DeletionAuc,
    MetricMean InsertionAuc,
    MetricMean? PointingChance = null);
