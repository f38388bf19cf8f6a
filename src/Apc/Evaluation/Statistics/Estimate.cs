namespace Apc.Evaluation.Statistics;

/// <summary>A mean with its 95 % confidence interval. <see cref="Low"/> and <see cref="High"/> are NaN when
/// no interval can be given (one value: a spread cannot be estimated from one seed, and none is invented).</summary>
/// <param name="Mean">The point estimate; NaN when there were no values.</param>
/// <param name="Low">Lower end of the interval, or NaN.</param>
/// <param name="High">Upper end of the interval, or NaN.</param>
/// <param name="N">Number of independent units the interval rests on (seeds for a t-interval, values for a bootstrap).</param>
public sealed record Estimate(double Mean, double Low, double High, int N)
{
    /// <summary>True when the interval exists.</summary>
    public bool HasInterval => double.IsFinite(Low) && double.IsFinite(High);

    /// <summary>No estimate (no values).</summary>
    public static Estimate None { get; } = new(double.NaN, double.NaN, double.NaN, 0);
}
