namespace Apc.Evaluation;

/// <summary>
/// Accumulates per-pair attribution metric values over batches and reports their means
/// (<see cref="Summarize"/>). Each <see cref="Add"/> call brings one batch of pairs; every metric given
/// must have exactly one value per pair, and metrics that were not computed are left null. NaN values
/// (a metric undefined for a pair, e.g. the AUC of an all-zero mask) are skipped and counted. Sums are
/// kept in double precision. Not thread-safe; use one instance per evaluation, or <see cref="Merge"/>.
/// </summary>
public sealed class AttributionScores
{
    private sealed class Running
    {
        public double Sum;
        public int Count;
        public int Skipped;

        public void Add(IEnumerable<double> values)
        {
            foreach (var v in values)
            {
                if (double.IsNaN(v)) Skipped++;
                else { Sum += v; Count++; }
            }
        }

        public void Add(Running other) { Sum += other.Sum; Count += other.Count; Skipped += other.Skipped; }

        public MetricMean Mean() => new(Count == 0 ? double.NaN : Sum / Count, Count, Skipped);
    }

    private readonly Running _pointing = new(), _pixelAuc = new(), _energy = new(),
        _cosine = new(), _spearman = new(), _topKIou = new(), _matching = new(),
        _deletion = new(), _insertion = new(), _pointingChance = new();

    /// <summary>Number of pairs added so far.</summary>
    public int Pairs { get; private set; }

    /// <summary>Adds one batch of <paramref name="pairs"/> (image, class) pairs with the metrics computed for it.</summary>
    public void Add(int pairs, bool[]? pointing = null, double[]? pixelAuc = null, double[]? energy = null,
        ConsistencyScores? consistency = null, FaithfulnessCurves? deletion = null, FaithfulnessCurves? insertion = null)
    {
        if (pairs < 0) throw new ArgumentOutOfRangeException(nameof(pairs), pairs, "The number of pairs cannot be negative.");
        CheckLength(pairs, pointing?.Length, "pointing");
        CheckLength(pairs, pixelAuc?.Length, "pixel AUC");
        CheckLength(pairs, energy?.Length, "energy");
        CheckLength(pairs, consistency?.Cosine.Length, "cosine");
        CheckLength(pairs, consistency?.Spearman.Length, "Spearman");
        CheckLength(pairs, consistency?.TopKIou.Length, "top-k IoU");
        CheckLength(pairs, consistency?.MatchingDistance.Length, "matching distance");
        CheckLength(pairs, deletion?.Auc.Length, "deletion AUC");
        CheckLength(pairs, insertion?.Auc.Length, "insertion AUC");

        Pairs += pairs;
        if (pointing is not null) _pointing.Add(pointing.Select(hit => hit ? 1.0 : 0.0));
        if (pixelAuc is not null) _pixelAuc.Add(pixelAuc);
        if (energy is not null) _energy.Add(energy);
        if (consistency is not null)
        {
            _cosine.Add(consistency.Cosine);
            _spearman.Add(consistency.Spearman);
            _topKIou.Add(consistency.TopKIou);
            _matching.Add(consistency.MatchingDistance);
        }
        if (deletion is not null) _deletion.Add(deletion.Auc);
        if (insertion is not null) _insertion.Add(insertion.Auc);
    }

    /// <summary>Adds the pointing-game chance level of pairs already added (<see cref="Pointing.Chance"/>).</summary>
    public void AddPointingChance(double[] chance) => _pointingChance.Add(chance);

    /// <summary>Adds everything another accumulator holds (e.g. one filled by another worker).</summary>
    public void Merge(AttributionScores other)
    {
        Pairs += other.Pairs;
        _pointing.Add(other._pointing); _pixelAuc.Add(other._pixelAuc); _energy.Add(other._energy);
        _cosine.Add(other._cosine); _spearman.Add(other._spearman); _topKIou.Add(other._topKIou);
        _matching.Add(other._matching); _deletion.Add(other._deletion); _insertion.Add(other._insertion);
        _pointingChance.Add(other._pointingChance);
    }

    /// <summary>Means and counts over the recorded pairs.</summary>
    public AttributionSummary Summarize() => new(
        Pairs, _pointing.Mean(), _pixelAuc.Mean(), _energy.Mean(),
        _cosine.Mean(), _spearman.Mean(), _topKIou.Mean(), _matching.Mean(),
        _deletion.Mean(), _insertion.Mean(), _pointingChance.Mean());

    private static void CheckLength(int pairs, int? length, string metric)
    {
        if (length is { } l && l != pairs)
            throw new ArgumentException($"AttributionScores: {l} {metric} values were given for {pairs} pairs.");
    }
}
