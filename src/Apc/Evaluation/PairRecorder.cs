namespace Apc.Evaluation;

/// <summary>Collects <see cref="PairRecords"/> batch by batch during an evaluation. With a reference model the
/// consistency columns exist even when no pair was scored (empty, not absent), so that "no pairs" and "not
/// measured" stay apart. Not thread-safe.</summary>
public sealed class PairRecorder(bool withConsistency)
{
    private readonly List<int> _image = [], _class = [];
    private readonly List<bool> _pointing = [];
    private readonly List<double> _auc = [], _cosine = [], _spearman = [], _topKIou = [];
    private readonly bool _withConsistency = withConsistency;

    /// <summary>Adds one batch of pairs; <paramref name="consistency"/> must be given exactly when the recorder was made with consistency.</summary>
    public void Add(int[] images, int[] classes, bool[] pointing, double[] auc, ConsistencyScores? consistency)
    {
        int n = images.Length;
        if (classes.Length != n || pointing.Length != n || auc.Length != n
            || (consistency is not null && (consistency.Cosine.Length != n || consistency.Spearman.Length != n || consistency.TopKIou.Length != n)))
            throw new ArgumentException($"PairRecorder: every per-pair array must have {n} entries.");
        if (_withConsistency != consistency is not null)
            throw new ArgumentException(_withConsistency ? "PairRecorder: consistency scores are missing." : "PairRecorder: consistency scores were given to a recorder without a reference.");
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

    /// <summary>The recorded pairs as columns.</summary>
    public PairRecords ToRecords() => new([.. _image], [.. _class], [.. _pointing], [.. _auc],
        _withConsistency ? [.. _cosine] : null, _withConsistency ? [.. _spearman] : null, _withConsistency ? [.. _topKIou] : null);
}
