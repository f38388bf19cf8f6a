namespace Apc.Evaluation;

/// <summary>Localisation (and, with a reference model, consistency) of one attribution method over the
/// (image, class) pairs the model predicts correctly. Means skip undefined values (see <see cref="MetricMean"/>).
/// <see cref="Pairs"/> holds every scored pair's own values (written to pairs.json).</summary>
public sealed record MethodEvaluation(string Method, AttributionSummary Summary, AttributionSummary? Reference, PairRecords? Pairs = null);
