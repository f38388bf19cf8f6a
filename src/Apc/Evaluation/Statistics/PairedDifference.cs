namespace Apc.Evaluation.Statistics;

/// <summary>Pairs two evaluations of the same images (e.g. a WCAM student and a naive student of the same seed)
/// on the (image, class) pairs that both scored, for a bootstrap of their mean difference.</summary>
public static class PairedDifference
{
    /// <summary>The per-pair differences a − b of one metric over the pairs scored by both evaluations where the
    /// metric is defined for both, clustered by image (a <see cref="ClusterGroup"/> for <see cref="ClusterBootstrap"/>).
    /// Pairs appear in a's order. Null when either evaluation did not measure the metric.</summary>
    public static ClusterGroup? Match(PairRecords a, PairRecords b, string metric)
    {
        var valuesA = a.Metric(metric);
        var valuesB = b.Metric(metric);
        if (valuesA is null || valuesB is null) return null;
        var inB = new Dictionary<(int, int), int>(b.Count);
        for (int j = 0; j < b.Count; j++) inB[(b.Image[j], b.Class[j])] = j;
        var clusters = new List<int>();
        var differences = new List<double>();
        for (int i = 0; i < a.Count; i++)
        {
            if (!inB.TryGetValue((a.Image[i], a.Class[i]), out int j)) continue;
            double d = valuesA[i] - valuesB[j];
            if (!double.IsFinite(d)) continue;
            clusters.Add(a.Image[i]);
            differences.Add(d);
        }
        return new ClusterGroup([.. clusters], [.. differences]);
    }

    /// <summary>One evaluation's own values of a metric, clustered by image (for an interval over images of one model).</summary>
    public static ClusterGroup? Values(PairRecords a, string metric)
    {
        var values = a.Metric(metric);
        if (values is null) return null;
        var kept = Enumerable.Range(0, a.Count).Where(i => double.IsFinite(values[i])).ToArray();
        return new ClusterGroup(kept.Select(i => a.Image[i]).ToArray(), kept.Select(i => values[i]).ToArray());
    }
}
