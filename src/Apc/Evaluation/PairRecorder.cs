namespace Apc.Evaluation;

/// <summary>Collects <see cref="PairRecords"/> batch by batch during an evaluation. Not thread-safe.</summary>
public sealed class PairRecorder
{
    private readonly List<int> _image = [], _class = [];
    private readonly List<bool> _pointing = [];
    private readonly List<double> _auc = [], _cosine = [], _spearman = [], _topKIou = [];
    private bool _withConsistency, _started;

    /// <summary>Adds one batch of pairs; <paramref name="consistency"/> must be given for every batch or for none.</summary>
    public void Add(int[] images, int[] classes, bool[] pointing, double[] auc, ConsistencyScores? consistency)
    {
        int n = images.Length;
        if (classes.Length != n || pointing.Length != n || auc.Length != n
            || (consistency is not null && (consistency.Cosine.Length != n || consistency.Spearman.Length != n || consistency.TopKIou.Length != n)))
            throw new ArgumentException($"PairRecorder: every per-pair array must have {n} entries.");
        if (_started && _withConsistency != consistency is not null)
            throw new ArgumentException("PairRecorder: consistency scores must be given for every batch or for none.");
        _started = true;
        _withConsistency = consistency is not null;
        _image.AddRange(images);
        _class.AddRange(classes);
        _pointing.AddRange(pointing);
        _auc.AddRange(auc);
        if (consistency is not null)
        {
            _cosine.AddRange(consistency.Cosine);
            _spearman.AddRange(consistency.Spearman);
            _topKIou.AddRange(consistency.TopKIou);
        }
    }

    public PairRecords ToRecords() => new([.. _image], [.. _class], [.. _pointing], [.. _auc],
        _withConsistency ? [.. _cosine] : null, _withConsistency ? [.. _spearman] : null, _withConsistency ? [.. _topKIou] : null);
}
