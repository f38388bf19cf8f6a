namespace Apc.Reporting;

/// <summary>One named line (or set of markers) of a <see cref="Plots.LinePlot"/>: points (X[i], Y[i]).
/// <see cref="Color"/> and <see cref="Shape"/> pick the palette colour and marker shape (by index, cycling);
/// by default both follow the series' position, so series that belong together can share a colour or a shape.</summary>
public sealed record PlotSeries(string Name, double[] X, double[] Y)
{
    /// <summary>Index into the plot's ten-colour palette (cycling; indices from 10 on draw their line dashed); not
    /// negative, else <see cref="Plots.LinePlot"/> throws <see cref="ArgumentException"/>. By default the series'
    /// position.</summary>
    public int? Color { get; init; }

    /// <summary>Index into the eight marker shapes (cycling); not negative. By default the series' position.</summary>
    public int? Shape { get; init; }

    /// <summary>Marker size in pixels; by default 8 on a line, 11 for markers only. Points that may coincide
    /// (several series at the same x and nearly the same y) stay visible when later series get smaller markers:
    /// they are drawn on top, inside the earlier ones.</summary>
    public float? MarkerSize { get; init; }
}
