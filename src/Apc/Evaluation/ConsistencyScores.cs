namespace Apc.Evaluation;

/// <summary>Per-sample agreement between two maps of the same input and class, as computed by
/// <see cref="Consistency.Compute"/>; every array has one entry per sample. NaN marks an undefined value.</summary>
/// <param name="Cosine">Cosine similarity of the flattened maps, in [−1,1] ([0,1] for non-negative maps).</param>
/// <param name="Spearman">Spearman rank correlation of the pixel values, in [−1,1].</param>
/// <param name="TopKIou">Intersection over union of the two top-k% pixel sets, in [0,1].</param>
/// <param name="MatchingDistance">The matching loss L_AM of the pair, (2 − 2·Cosine)/N for N pixels, in [0,4/N]; 0 when the maps point the same way.</param>
public sealed record ConsistencyScores(double[] Cosine, double[] Spearman, double[] TopKIou, double[] MatchingDistance)
{
    /// <summary>The same scores with every sample where <paramref name="keep"/> is false set to NaN (undefined), e.g. the
    /// pairs whose class the reference model does not predict: its map there explains a negative logit, so comparing
    /// maps says nothing about whether the compressed model explains like the reference.</summary>
    /// <exception cref="ArgumentException">keep has not one entry per sample.</exception>
    public ConsistencyScores Where(bool[] keep)
    {
        if (keep.Length != Cosine.Length)
            throw new ArgumentException($"ConsistencyScores.Where: {keep.Length} flags for {Cosine.Length} samples.", nameof(keep));
        double[] Mask(double[] values) => values.Select((v, i) => keep[i] ? v : double.NaN).ToArray();
        return new ConsistencyScores(Mask(Cosine), Mask(Spearman), Mask(TopKIou), Mask(MatchingDistance));
    }
}
