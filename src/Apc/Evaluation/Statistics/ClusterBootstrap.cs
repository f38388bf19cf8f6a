namespace Apc.Evaluation.Statistics;

/// <summary>
/// Percentile confidence interval of a mean over values that come in clusters within groups (in apc: per-pair
/// values, clustered by image, grouped by seed). The pairs of one image share the image, so they are not
/// independent; the image is the unit that is resampled, with all its pairs.
/// <list type="bullet">
/// <item>Estimate: the mean of all values of all groups (each value weighs the same).</item>
/// <item>One resample: in every group independently, draw as many clusters as the group has, uniformly with
/// replacement, and take every value of every drawn cluster; the statistic is the mean of all values drawn
/// (over all groups). Groups are never mixed: a seed's images are only resampled within that seed.</item>
/// <item>Interval: the (1−level)/2 and (1+level)/2 quantiles of the <see cref="BootstrapOptions.Resamples"/>
/// statistics, with linear interpolation between order statistics (position q·(B−1) of the sorted values,
/// numpy's default).</item>
/// <item>Deterministic: the random numbers come from a SplitMix64 generator seeded with
/// <see cref="BootstrapOptions.Seed"/> (its own code, so the interval does not change with the .NET version).</item>
/// </list>
/// With fewer than two clusters in all there is no interval (every resample would be the same).
/// </summary>
public static class ClusterBootstrap
{
    /// <summary>The mean over all items and its percentile interval, resampling whole clusters (images) with replacement.</summary>
    public static BootstrapResult Mean(IReadOnlyList<ClusterGroup> groups, BootstrapOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        options ??= new BootstrapOptions();
        options.Validate();
        // Per group: each cluster's sum and count, clusters in order of first appearance.
        var sums = new double[groups.Count][];
        var counts = new int[groups.Count][];
        var groupMeans = new double[groups.Count];
        var groupValues = new int[groups.Count];
        double total = 0;
        int values = 0, clusters = 0;
        for (int g = 0; g < groups.Count; g++)
        {
            var group = groups[g] ?? throw new ArgumentException($"group {g} is null.", nameof(groups));
            if (group.Clusters.Length != group.Values.Length)
                throw new ArgumentException($"group {g} has {group.Clusters.Length} cluster ids but {group.Values.Length} values.", nameof(groups));
            var index = new Dictionary<int, int>();
            var s = new List<double>();
            var c = new List<int>();
            for (int i = 0; i < group.Values.Length; i++)
            {
                double v = group.Values[i];
                if (!double.IsFinite(v)) throw new ArgumentException($"group {g} value {i} is {v}; leave undefined values out.", nameof(groups));
                if (!index.TryGetValue(group.Clusters[i], out int at)) { at = s.Count; index[group.Clusters[i]] = at; s.Add(0); c.Add(0); }
                s[at] += v;
                c[at]++;
            }
            sums[g] = s.ToArray();
            counts[g] = c.ToArray();
            groupValues[g] = group.Values.Length;
            groupMeans[g] = group.Values.Length == 0 ? double.NaN : s.Sum() / group.Values.Length;
            total += s.Sum();
            values += group.Values.Length;
            clusters += s.Count;
        }
        if (values == 0) return new BootstrapResult(Estimate.None, groupMeans, groupValues, 0);
        double mean = total / values;
        if (clusters < 2) return new BootstrapResult(new Estimate(mean, double.NaN, double.NaN, values), groupMeans, groupValues, clusters);

        var random = new SplitMix64(options.Seed);
        var statistics = new double[options.Resamples];
        for (int r = 0; r < statistics.Length; r++)
        {
            double sum = 0;
            long count = 0;
            for (int g = 0; g < sums.Length; g++)
            {
                int n = sums[g].Length;
                for (int i = 0; i < n; i++)
                {
                    int pick = random.Next(n);
                    sum += sums[g][pick];
                    count += counts[g][pick];
                }
            }
            statistics[r] = sum / count;
        }
        Array.Sort(statistics);
        double alpha = (1 - options.Level) / 2;
        return new BootstrapResult(new Estimate(mean, Percentile(statistics, alpha), Percentile(statistics, 1 - alpha), values),
            groupMeans, groupValues, clusters);
    }

    /// <summary>The q-quantile of ascending values, interpolating linearly at position q·(n−1).</summary>
    public static double Percentile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        double fraction = position - below;
        return sorted[below] + fraction * (sorted[above] - sorted[below]);
    }
}
