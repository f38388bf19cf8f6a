using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Evaluation;

/// <summary>
/// Prediction metrics of a multi-label classifier (method.md §4, "Prediction"). Inputs are logits and
/// multi-hot labels, both [N,K]; the computation runs on the CPU in double precision.
/// <para><b>Average precision</b> of scores s_1..s_n with binary relevance y_1..y_n and P = Σ y_i &gt; 0
/// positives is the non-interpolated AP: sort by descending score and average, over the positives, the
/// precision at the positive's rank. <b>Ties</b>: items with equal scores form one threshold, so every
/// positive of a tie group gets the precision at the <i>end</i> of that group,
/// AP = Σ_groups (p_g / P) · TP_≤g / n_≤g, where p_g is the number of positives in group g and
/// TP_≤g, n_≤g count positives and items up to and including the group. The result does not depend on
/// the input order and equals scikit-learn's <c>average_precision_score</c>. AP is NaN when P = 0.</para>
/// <para><b>MapPerClass</b> (standard mAP): AP of each class's column over the N images, averaged over the
/// classes with at least one positive; the others are listed in <see cref="PredictionReport.SkippedClasses"/>.
/// <b>MapPerImage</b> (what the reference code calls mAP): AP of each image's row over the K classes,
/// averaged over the images with at least one positive label.</para>
/// <para><b>Decisions</b>: class k is predicted for an image when its logit is &gt; 0, i.e. sigmoid &gt; 0.5.
/// (The reference thresholded the raw logits at 0.5, i.e. sigmoid &gt; 0.62; we threshold probabilities at
/// 0.5.) <b>F1</b> is sample-averaged: per image 2·TP / (2·TP + FP + FN), which is 1 for an image with
/// no labels and no predicted classes, then the mean over the N images. <b>Accuracy</b> is exact match:
/// the share of images whose K decisions are all right.</para>
/// <para><b>Agreement</b>: share of images whose top-1 class (arg-max logit, the first maximum on ties)
/// equals the top-1 class of the reference logits, e.g. the teacher's.</para>
/// </summary>
public static class PredictionMetrics
{
    /// <summary>mAP (per class and per image), F1, exact-match accuracy and, with <paramref name="referenceLogits"/>, top-1 agreement, from logits [N,K] and multi-hot labels [N,K].</summary>
    public static PredictionReport Compute(Tensor logits, Tensor labels, Tensor? referenceLogits = null)
    {
        var (n, k) = CheckMatrix(logits, "logits");
        var (ln, lk) = CheckMatrix(labels, "labels");
        if (ln != n || lk != k)
            throw new ApcException($"prediction metrics: labels have shape [{ln},{lk}] but logits have [{n},{k}].");
        if (referenceLogits is not null)
        {
            var (rn, rk) = CheckMatrix(referenceLogits, "reference logits");
            if (rn != n || rk != k)
                throw new ApcException($"prediction metrics: reference logits have shape [{rn},{rk}] but logits have [{n},{k}].");
        }

        var scores = ToCpuFloats(logits);
        var labelValues = ToCpuFloats(labels);
        if (scores.Any(float.IsNaN))
            throw new ApcException("the model's outputs (logits) contain NaN (did training diverge?).");
        var positive = new bool[labelValues.Length];
        for (int i = 0; i < labelValues.Length; i++)
        {
            if (labelValues[i] != 0f && labelValues[i] != 1f)
                throw new ApcException($"prediction metrics: labels must be multi-hot 0/1, found {labelValues[i]} at image {i / k}, class {i % k}.");
            positive[i] = labelValues[i] == 1f;
        }

        // Standard mAP: one AP per class column.
        var apPerClass = new double[k];
        var skipped = new List<int>();
        var columnScores = new float[n];
        var columnPositive = new bool[n];
        for (int c = 0; c < k; c++)
        {
            for (int i = 0; i < n; i++) { columnScores[i] = scores[i * k + c]; columnPositive[i] = positive[i * k + c]; }
            apPerClass[c] = AveragePrecision(columnScores, columnPositive);
            if (double.IsNaN(apPerClass[c])) skipped.Add(c);
        }

        // Reference mAP: one AP per image row; images without labels are left out.
        double imageApSum = 0, f1Sum = 0;
        int imagesWithLabels = 0, exactMatches = 0;
        for (int i = 0; i < n; i++)
        {
            var rowScores = scores.AsSpan(i * k, k);
            var rowPositive = positive.AsSpan(i * k, k);
            double ap = AveragePrecision(rowScores, rowPositive);
            if (!double.IsNaN(ap)) { imageApSum += ap; imagesWithLabels++; }

            int tp = 0, fp = 0, fn = 0;
            for (int c = 0; c < k; c++)
            {
                bool predicted = rowScores[c] > 0f;
                if (predicted && rowPositive[c]) tp++;
                else if (predicted) fp++;
                else if (rowPositive[c]) fn++;
            }
            int denominator = 2 * tp + fp + fn;
            f1Sum += denominator == 0 ? 1.0 : 2.0 * tp / denominator;
            if (fp == 0 && fn == 0) exactMatches++;
        }

        double? agreement = null;
        if (referenceLogits is not null)
        {
            var reference = ToCpuFloats(referenceLogits);
            int agreeing = 0;
            for (int i = 0; i < n; i++)
                if (FirstArgMax(scores.AsSpan(i * k, k)) == FirstArgMax(reference.AsSpan(i * k, k))) agreeing++;
            agreement = n == 0 ? double.NaN : (double)agreeing / n;
        }

        double classApSum = 0;
        foreach (var ap in apPerClass) if (!double.IsNaN(ap)) classApSum += ap;
        int scoredClasses = k - skipped.Count;
        return new PredictionReport(
            Count: n,
            MapPerClass: scoredClasses == 0 ? double.NaN : classApSum / scoredClasses,
            MapPerImage: imagesWithLabels == 0 ? double.NaN : imageApSum / imagesWithLabels,
            F1: n == 0 ? double.NaN : f1Sum / n,
            Accuracy: n == 0 ? double.NaN : (double)exactMatches / n,
            Agreement: agreement,
            ApPerClass: apPerClass,
            SkippedClasses: skipped);
    }

    /// <summary>Non-interpolated average precision of <paramref name="scores"/> against
    /// <paramref name="positive"/>, tied scores forming one threshold (see the class summary).
    /// NaN when there is no positive.</summary>
    public static double AveragePrecision(ReadOnlySpan<float> scores, ReadOnlySpan<bool> positive)
    {
        if (scores.Length != positive.Length)
            throw new ArgumentException($"scores ({scores.Length}) and positive ({positive.Length}) differ in length.");
        int positives = 0;
        foreach (var p in positive) if (p) positives++;
        if (positives == 0) return double.NaN;

        var order = new int[scores.Length];
        var keys = new float[scores.Length];
        for (int i = 0; i < order.Length; i++) { order[i] = i; keys[i] = -scores[i]; }
        Array.Sort(keys, order); // ascending -score = descending score; order within ties is irrelevant

        double sum = 0;
        int truePositives = 0, seen = 0;
        for (int start = 0; start < order.Length;)
        {
            int end = start, groupPositives = 0;
            while (end < order.Length && keys[end] == keys[start]) { if (positive[order[end]]) groupPositives++; end++; }
            truePositives += groupPositives;
            seen = end;
            sum += groupPositives * ((double)truePositives / seen);
            start = end;
        }
        return sum / positives;
    }

    private static int FirstArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
        return best;
    }

    private static (int N, int K) CheckMatrix(Tensor t, string what)
    {
        if (t.dim() != 2)
            throw new ApcException($"prediction metrics: {what} must be a [N,K] matrix, got shape [{string.Join(",", t.shape)}].");
        if (t.shape[1] == 0)
            throw new ApcException($"prediction metrics: {what} have no classes (shape [{string.Join(",", t.shape)}]).");
        return ((int)t.shape[0], (int)t.shape[1]);
    }

    private static float[] ToCpuFloats(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().cpu().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
    }
}
