using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Evaluation;

/// <summary>
/// Pointing game (method.md §4; Zhang et al. 2016). For each sample the map's arg-max pixel p* is found;
/// the sample is a <b>hit</b> when some mask pixel q (mask value &gt; 0.5) lies within the tolerance
/// radius: ‖p* − q‖₂ ≤ r, distances in pixels between pixel centres. With r = 0 (the reference's rule and
/// the default) this is "the maximum lies inside the mask"; Zhang et al. used r = 15.
/// <para><b>Ties for the maximum</b>: the first maximum in row-major order (smallest row, then smallest
/// column) is the one that points. A constant map therefore points at the top-left pixel.</para>
/// <para>An empty mask is always a miss; callers score only (image, class) pairs whose class is present.
/// Maps must be finite.</para>
/// </summary>
public static class Pointing
{
    /// <summary>Chance level per sample of the exact pointing game (tolerance 0): the fraction of the image's pixels
    /// inside the mask (mask value &gt; 0.5), which is the hit probability of a maximum placed uniformly at random.</summary>
    /// <param name="masks">The class's masks, [B,H,W].</param>
    public static double[] Chance(Tensor masks)
    {
        if (masks.dim() != 3) throw new ArgumentException($"Pointing chance: masks must be [B,H,W], got [{string.Join(',', masks.shape)}].");
        using var scope = NewDisposeScope();
        return masks.gt(0.5).to_type(ScalarType.Float64).flatten(1).mean(new long[] { 1 }).data<double>().ToArray();
    }

    /// <summary>Hit (true) or miss per sample.</summary>
    /// <param name="maps">Attribution maps, float [B,H,W].</param>
    /// <param name="masks">The class's masks, [B,H,W], 1 inside the object and 0 outside.</param>
    /// <param name="tolerancePixels">Radius r ≥ 0 in pixels; 0 demands the maximum itself be inside.</param>
    public static bool[] Compute(Tensor maps, Tensor masks, double tolerancePixels = 0)
    {
        const string metric = "Pointing";
        var (b, h, w) = MapTensors.CheckMaps(maps, metric);
        MapTensors.CheckSameShape(maps, masks, metric, "masks");
        if (!(tolerancePixels >= 0) || double.IsInfinity(tolerancePixels))
            throw new UsageException($"{metric}: the tolerance must be a finite number of pixels ≥ 0, got {tolerancePixels}.");
        if (b == 0) return [];

        using var scope = NewDisposeScope();
        var flat = maps.detach().flatten(1);
        long n = h * w;
        // Among the pixels equal to the maximum, pick the smallest index: weight each maximum by n - index.
        var isMaximum = flat.eq(flat.amax([1], keepdim: true));
        var preference = arange(n, 0, -1, dtype: ScalarType.Int64, device: flat.device);
        var peak = (isMaximum.to_type(ScalarType.Int64) * preference).argmax(1); // [B]
        var peakRow = peak.div(w, rounding_mode: RoundingMode.floor).view(b, 1, 1);
        var peakColumn = peak.remainder(w).view(b, 1, 1);

        var rows = arange(h, dtype: ScalarType.Int64, device: flat.device).view(1, h, 1);
        var columns = arange(w, dtype: ScalarType.Int64, device: flat.device).view(1, 1, w);
        var squaredDistance = (rows - peakRow).square() + (columns - peakColumn).square(); // [B,H,W]
        var near = squaredDistance.to_type(ScalarType.Float64).le(tolerancePixels * tolerancePixels);
        var hits = near.logical_and(MapTensors.Inside(masks, flat.device)).flatten(1).any(1);
        return hits.cpu().data<bool>().ToArray();
    }
}
