namespace Apc.Evaluation.Statistics;

/// <summary>The Student-t confidence interval of a mean over independent values (in apc: one value per seed):
/// mean ± t_{(1+level)/2, n−1} · s / √n, with s the sample standard deviation (divisor n − 1). With one value
/// the mean is returned without an interval; non-finite values are left out.</summary>
public static class TInterval
{
    /// <summary>The mean of <paramref name="values"/> with its Student-t interval at <paramref name="level"/>.</summary>
    public static Estimate Of(IEnumerable<double> values, double level = 0.95)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), level, "the confidence level must be in (0, 1).");
        var kept = values.Where(double.IsFinite).ToArray();
        int n = kept.Length;
        if (n == 0) return Estimate.None;
        double mean = kept.Average();
        if (n == 1) return new Estimate(mean, double.NaN, double.NaN, 1);
        double variance = kept.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        double half = StudentT.Quantile((1 + level) / 2, n - 1) * Math.Sqrt(variance / n);
        return new Estimate(mean, mean - half, mean + half, n);
    }
}
