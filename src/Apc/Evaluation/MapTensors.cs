using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Evaluation;

/// <summary>Shape checks and rank computations shared by the attribution metrics.</summary>
internal static class MapTensors
{
    /// <summary>Checks that <paramref name="maps"/> is a finite [B,H,W] tensor with H·W &gt; 0 and returns its sizes.</summary>
    public static (long B, long H, long W) CheckMaps(Tensor maps, string metric, string what = "maps")
    {
        if (maps.dim() != 3)
            throw new ApcException($"{metric}: {what} must have shape [B,H,W], got [{Shape(maps)}].");
        if (maps.shape[1] == 0 || maps.shape[2] == 0)
            throw new ApcException($"{metric}: {what} have no pixels (shape [{Shape(maps)}]).");
        if (!maps.is_floating_point())
            throw new ApcException($"{metric}: {what} must be a floating-point tensor, got {maps.dtype}.");
        using (var finite = isfinite(maps).all())
            if (!finite.item<bool>())
                throw new ApcException($"{metric}: {what} contain NaN or infinite values.");
        return (maps.shape[0], maps.shape[1], maps.shape[2]);
    }

    /// <summary>Checks that <paramref name="other"/> has exactly the shape of <paramref name="maps"/>.</summary>
    public static void CheckSameShape(Tensor maps, Tensor other, string metric, string what)
    {
        if (!maps.shape.SequenceEqual(other.shape))
            throw new ApcException($"{metric}: {what} have shape [{Shape(other)}] but the maps have [{Shape(maps)}].");
    }

    /// <summary>Masks as booleans: a pixel belongs to the mask when its value is above 0.5 (or true).</summary>
    public static Tensor Inside(Tensor masks, Device device) =>
        masks.dtype == ScalarType.Bool ? masks.to(device) : masks.to(device).gt(0.5);

    /// <summary>1-based ranks of each row of <paramref name="values"/> [B,N], in the original order, with
    /// tied values given the average of the ranks they span (float64).</summary>
    public static Tensor AverageRanks(Tensor values)
    {
        var (sorted, ranks) = SortWithAverageRanks(values);
        sorted.Dispose();
        return ranks;
    }

    /// <summary>Each row of <paramref name="values"/> [B,N] sorted ascending (float64), and the average ranks
    /// of <see cref="AverageRanks"/>.</summary>
    public static (Tensor Sorted, Tensor Ranks) SortWithAverageRanks(Tensor values)
    {
        using var scope = NewDisposeScope();
        var (sorted, order) = values.to_type(ScalarType.Float64).sort(dim: 1);
        // For each sorted element, [first, end) is the run of equal values it belongs to.
        var first = searchsorted(sorted, sorted, right: false);
        var end = searchsorted(sorted, sorted, right: true);
        var averageInSortedOrder = (first + end + 1).to_type(ScalarType.Float64) / 2;
        var ranks = zeros_like(averageInSortedOrder).scatter(1, order, averageInSortedOrder);
        return (sorted.MoveToOuterDisposeScope(), ranks.MoveToOuterDisposeScope());
    }

    public static double[] ToDoubles(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().cpu().to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
    }

    public static string Shape(Tensor t) => string.Join(",", t.shape);
}
