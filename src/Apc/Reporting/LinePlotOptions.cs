namespace Apc.Reporting;

/// <summary>Size and axis settings of <see cref="Plots.LinePlot"/>.</summary>
public sealed record LinePlotOptions
{
    /// <summary>Width of the PNG, in pixels (50..10000), legend included.</summary>
    public int Width { get; init; } = 800;

    /// <summary>Height of the PNG, in pixels (50..10000).</summary>
    public int Height { get; init; } = 500;

    /// <summary>Lower end of a fixed y range, in the data's units; set with <see cref="YMax"/> (both or neither, finite,
    /// <c>YMin &lt; YMax</c>, else <see cref="Plots.LinePlot"/> throws <see cref="ArgumentException"/>). By default the
    /// axis fits the data.</summary>
    public double? YMin { get; init; }

    /// <summary>Upper end of a fixed y range; see <see cref="YMin"/>.</summary>
    public double? YMax { get; init; }

    /// <summary>Lower end of a fixed x range, in the data's units; set with <see cref="XMax"/>, under the same rules as
    /// <see cref="YMin"/>. By default the axis fits the data.</summary>
    public double? XMin { get; init; }

    /// <summary>Upper end of a fixed x range; see <see cref="XMin"/>.</summary>
    public double? XMax { get; init; }

    /// <summary>Mark each point (useful when there are few, e.g. one per compression ratio).</summary>
    public bool ShowMarkers { get; init; } = true;

    /// <summary>Join each series' points with a line. Off for points that are not a sequence (for example
    /// one point per compression method): then only the markers are drawn.</summary>
    public bool ConnectPoints { get; init; } = true;

    /// <summary>Ticks on the x axis at whole numbers only, with no minor ticks between them (epochs, rounds):
    /// see <see cref="Plots.IntegerTicks"/>.</summary>
    public bool IntegerX { get; init; }

    internal void Validate()
    {
        if (!ShowMarkers && !ConnectPoints)
            throw new ArgumentException("a plot that neither shows markers nor connects points draws nothing.");
        if (Width is < 50 or > 10000 || Height is < 50 or > 10000)
            throw new ArgumentException($"plot size must be 50..10000 pixels each way, got {Width}x{Height}.");
        if (XMin.HasValue != XMax.HasValue)
            throw new ArgumentException("plot x range needs both XMin and XMax, or neither.");
        if (XMin is { } left && XMax is { } right && !(double.IsFinite(left) && double.IsFinite(right) && left < right))
            throw new ArgumentException($"plot x range must be finite with XMin < XMax, got [{left}, {right}].");
        if (YMin.HasValue != YMax.HasValue)
            throw new ArgumentException("plot y range needs both YMin and YMax, or neither.");
        if (YMin is { } low && YMax is { } high && !(double.IsFinite(low) && double.IsFinite(high) && low < high))
            throw new ArgumentException($"plot y range must be finite with YMin < YMax, got [{low}, {high}].");
    }
}
