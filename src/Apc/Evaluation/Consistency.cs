using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Evaluation;

/// <summary>
/// How closely a compressed network's attribution map follows the original's on the same input and class
/// (the teacher–student similarity the reference never measured, method.md §5). Maps a (teacher) and
/// b (student) are flattened to vectors of N = H·W values and used as given (no ReLU is added). Per sample:
/// <list type="bullet">
/// <item><b>Cosine</b> = a·b / (‖a‖₂‖b‖₂), the dot product of the L2-normalised maps; NaN when either map is
/// all zero (no direction).</item>
/// <item><b>Spearman</b> = Pearson correlation of the pixel ranks of a and b, tied values sharing the
/// average of their ranks; NaN when either map is constant.</item>
/// <item><b>TopKIou</b> = |S_a ∩ S_b| / |S_a ∪ S_b|, where S_x is the top-k% set of x: with
/// n = ⌈k·N/100⌉ (at least 1), S_x holds every pixel whose value is ≥ the n-th largest value of x. Ties at
/// that threshold are all included, so S_x can hold more than n pixels (a constant map selects every pixel);
/// this keeps the set independent of pixel order.</item>
/// <item><b>MatchingDistance</b> = L_AM of method.md §2 steps 3–4 for this pair:
/// mean over the N positions of (â − b̂)², with x̂ = x / max(‖x‖₂, 1e-12). When both maps are non-zero it
/// equals (2 − 2·Cosine)/N, so it lies in [0, 4/N] and depends on the map size; when one map is all zero it
/// is 1/N. It is the quantity the training loss drives down.</item>
/// </list>
/// All arithmetic is in float64.
/// </summary>
public static class Consistency
{
    /// <summary>The four agreement scores for each pair (teacherMaps[i], studentMaps[i]).</summary>
    /// <param name="teacherMaps">Reference maps, float [B,H,W], finite.</param>
    /// <param name="studentMaps">Maps to compare, same shape.</param>
    /// <param name="topPercent">k of the top-k% IoU, in (0,100]; default 10.</param>
    public static ConsistencyScores Compute(Tensor teacherMaps, Tensor studentMaps, double topPercent = 10)
    {
        const string metric = "Consistency";
        var (b, h, w) = MapTensors.CheckMaps(teacherMaps, metric, "teacher maps");
        MapTensors.CheckMaps(studentMaps, metric, "student maps");
        MapTensors.CheckSameShape(teacherMaps, studentMaps, metric, "student maps");
        if (!(topPercent > 0 && topPercent <= 100))
            throw new UsageException($"{metric}: the top-k percentage must be in (0,100], got {topPercent}.");
        if (b == 0) return new ConsistencyScores([], [], [], []);

        using var scope = NewDisposeScope();
        var a = teacherMaps.detach().to_type(ScalarType.Float64).flatten(1);
        var s = studentMaps.to(a.device).detach().to_type(ScalarType.Float64).flatten(1);
        long n = h * w;
        var nan = full(b, double.NaN, dtype: ScalarType.Float64, device: a.device);

        var normA = a.norm(1);
        var normS = s.norm(1);
        var cosine = where(normA.gt(0).logical_and(normS.gt(0)), (a * s).sum(1) / (normA * normS), nan);

        var (sortedA, rankA) = MapTensors.SortWithAverageRanks(a);
        var (sortedS, rankS) = MapTensors.SortWithAverageRanks(s);
        var centredA = rankA - rankA.mean([1], keepdim: true);
        var centredS = rankS - rankS.mean([1], keepdim: true);
        var spreadA = centredA.square().sum(1);
        var spreadS = centredS.square().sum(1);
        var spearman = where(spreadA.gt(0).logical_and(spreadS.gt(0)),
            (centredA * centredS).sum(1) / (spreadA * spreadS).sqrt(), nan);

        // ⌈k·N/100⌉ without floating-point noise pushing an exact integer up by one.
        int topCount = (int)Math.Clamp(Math.Ceiling(topPercent * n / 100 - 1e-9), 1, n);
        var topA = a.ge(sortedA.narrow(1, n - topCount, 1)); // the n-th largest sits at index N − n of the ascending sort
        var topS = s.ge(sortedS.narrow(1, n - topCount, 1));
        var intersection = topA.logical_and(topS).sum(1).to_type(ScalarType.Float64);
        var union = topA.logical_or(topS).sum(1).to_type(ScalarType.Float64); // ≥ n ≥ 1
        var iou = intersection / union;

        var unitA = a / normA.clamp_min(1e-12).unsqueeze(1);
        var unitS = s / normS.clamp_min(1e-12).unsqueeze(1);
        var matching = (unitA - unitS).square().mean([1]);

        return new ConsistencyScores(
            MapTensors.ToDoubles(cosine), MapTensors.ToDoubles(spearman),
            MapTensors.ToDoubles(iou), MapTensors.ToDoubles(matching));
    }
}
