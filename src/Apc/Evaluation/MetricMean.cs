namespace Apc.Evaluation;

/// <summary>The mean of one metric over the pairs where it was defined.</summary>
/// <param name="Mean">Mean of the defined values; NaN when there were none.</param>
/// <param name="Count">Number of values averaged.</param>
/// <param name="Skipped">Number of values left out because they were NaN (undefined for that pair).</param>
public sealed record MetricMean(double Mean, int Count, int Skipped);
