namespace Apc.Reporting;

/// <summary>How <see cref="HeatmapOverlay"/> turns a map's values into colours (see <see cref="MapScaler"/>).</summary>
public enum MapScaling
{
    /// <summary>(v − min) / (max − min): any real map, shown relative to its own range.</summary>
    MinMax,

    /// <summary>0 … c, with c a high percentile of the values; negative values count as 0, values above c as c.
    /// For non-negative maps (Grad-CAM, Excitation Backprop, saliency).</summary>
    Sequential,

    /// <summary>−c … 0 … +c, with c a high percentile of |value|, on a diverging colour map whose middle means 0.
    /// For signed maps (LRP, RAP, input × gradient, integrated gradients).</summary>
    Symmetric,
}
