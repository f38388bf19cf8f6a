namespace Apc.Evaluation;

/// <summary>Every (image, class) pair one attribution method scored, with its per-pair metrics (the values whose
/// means <see cref="AttributionSummary"/> holds). Entry i of every array belongs to pair i; NaN marks a value
/// undefined for that pair (the AUC of an all-0 or all-1 mask, the cosine of an all-zero map). The consistency
/// arrays are null without a reference model.</summary>
/// <param name="Image">Index of the image in the evaluated split.</param>
/// <param name="Class">Class index of the pair.</param>
/// <param name="Pointing">Pointing-game hit (<see cref="Evaluation.Pointing"/>).</param>
/// <param name="Auc">Pixel ROC-AUC (<see cref="Evaluation.PixelAuc"/>).</param>
/// <param name="Cosine">Teacher–student cosine (<see cref="Consistency"/>), or null.</param>
/// <param name="Spearman">Teacher–student Spearman correlation, or null.</param>
/// <param name="TopKIou">Teacher–student top-k% IoU, or null.</param>
public sealed record PairRecords(int[] Image, int[] Class, bool[] Pointing, double[] Auc, double[]? Cosine, double[]? Spearman, double[]? TopKIou)
{
    /// <summary>Names of the per-pair metrics, as in pairs.json and results.json.</summary>
    public static readonly IReadOnlyList<string> MetricNames = ["cosine", "spearman", "topk_iou", "pointing", "auc"];

    /// <inheritdoc/>
    public int Count => Image.Length;

    /// <summary>The values of one metric by name (pointing as 0/1), or null when it was not measured.</summary>
    public double[]? Metric(string name) => name switch
    {
        "pointing" => Pointing.Select(hit => hit ? 1.0 : 0.0).ToArray(),
        "auc" => Auc,
        "cosine" => Cosine,
        "spearman" => Spearman,
        "topk_iou" => TopKIou,
        _ => throw new ArgumentException($"unknown per-pair metric '{name}'; expected {string.Join(", ", MetricNames)}.", nameof(name)),
    };

    /// <summary>These records with the consistency values (cosine, Spearman, top-k IoU) of every pair that
    /// <paramref name="reference"/> did not score set to NaN. Given the reference model's own records on the same
    /// split (the pairs it predicts correctly), consistency is then defined exactly on the pairs both models predict
    /// correctly, as <see cref="Evaluator"/> defines it. Idempotent; localisation values are unchanged.</summary>
    public PairRecords ConsistencyOnPairsOf(PairRecords reference)
    {
        var scored = new HashSet<(int, int)>(reference.Image.Zip(reference.Class));
        var keep = Image.Zip(Class).Select(p => scored.Contains(p)).ToArray();
        double[]? Mask(double[]? values) => values?.Select((v, i) => keep[i] ? v : double.NaN).ToArray();
        return this with { Cosine = Mask(Cosine), Spearman = Mask(Spearman), TopKIou = Mask(TopKIou) };
    }
}
