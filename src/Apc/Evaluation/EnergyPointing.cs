using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Evaluation;

/// <summary>
/// Energy-based pointing game (Wang et al., Score-CAM 2020): the share of the positive attribution mass that
/// falls inside the mask, Σ_{mask} ReLU(M) / Σ_all ReLU(M), a fraction in [0,1]. Negative attribution is
/// ignored. NaN when the map has no positive value (no mass to place); callers skip those samples.
/// A mask pixel is one whose value is above 0.5.
/// </summary>
public static class EnergyPointing
{
    /// <summary>Energy share per sample (NaN where the map has no positive mass).</summary>
    /// <param name="maps">Attribution maps, float [B,H,W], finite.</param>
    /// <param name="masks">Masks, [B,H,W], 1 inside the object and 0 outside.</param>
    public static double[] Compute(Tensor maps, Tensor masks)
    {
        const string metric = "EnergyPointing";
        var (b, _, _) = MapTensors.CheckMaps(maps, metric);
        MapTensors.CheckSameShape(maps, masks, metric, "masks");
        if (b == 0) return [];

        using var scope = NewDisposeScope();
        var positive = maps.detach().to_type(ScalarType.Float64).relu().flatten(1);
        var inside = MapTensors.Inside(masks, positive.device).flatten(1);
        var total = positive.sum(1);
        var within = (positive * inside).sum(1);
        var share = where(total.gt(0), within / total, full_like(total, double.NaN));
        return MapTensors.ToDoubles(share);
    }
}
