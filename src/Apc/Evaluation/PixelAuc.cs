using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Evaluation;

/// <summary>
/// Pixel-level ROC-AUC of an attribution map against a mask (method.md §4, "AUC"): the probability that a
/// randomly drawn mask pixel (value &gt; 0.5) scores higher than a randomly drawn pixel outside the mask,
/// ties counting one half. It is computed as the Mann–Whitney U statistic with average ranks for ties:
/// AUC = (Σ_{mask pixels} rank − P(P+1)/2) / (P·Q), with P mask pixels, Q pixels outside, ranks 1..H·W
/// in ascending order of the map value.
/// <para>The reference min-max normalises the map first. That map is a strictly increasing function of the
/// original (or constant, when the map is), so it ranks pixels identically and gives the same AUC; the
/// ranks are therefore taken from the map as given, which also avoids ties created by rounding. A
/// constant map gives 0.5.</para>
/// <para>NaN when the mask is all 0 or all 1 (AUC undefined); callers skip those samples.</para>
/// </summary>
public static class PixelAuc
{
    /// <summary>AUC per sample (NaN where undefined).</summary>
    /// <param name="maps">Attribution maps, float [B,H,W], finite.</param>
    /// <param name="masks">Masks, [B,H,W], 1 inside the object and 0 outside.</param>
    public static double[] Compute(Tensor maps, Tensor masks)
    {
        const string metric = "PixelAuc";
        var (b, _, _) = MapTensors.CheckMaps(maps, metric);
        MapTensors.CheckSameShape(maps, masks, metric, "masks");
        if (b == 0) return [];

        using var scope = NewDisposeScope();
        var flat = maps.detach().flatten(1);
        var ranks = MapTensors.AverageRanks(flat); // float64 [B,N]
        var inside = MapTensors.Inside(masks, flat.device).flatten(1).to_type(ScalarType.Float64);
        long n = flat.shape[1];
        var positives = inside.sum(1);
        var negatives = n - positives;
        var u = (ranks * inside).sum(1) - positives * (positives + 1) / 2;
        var auc = u / (positives * negatives); // 0/0 = NaN when the mask is all 0 or all 1
        var defined = positives.gt(0).logical_and(negatives.gt(0));
        return MapTensors.ToDoubles(where(defined, auc, full_like(auc, double.NaN)));
    }
}
