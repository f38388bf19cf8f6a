using ScottPlot;

namespace Apc.Reporting;

/// <summary>Charts for reports, drawn with ScottPlot (which renders through SkiaSharp, so it needs no
/// display): attribution fidelity against compression ratio per method, training curves per epoch.</summary>
public static class Plots
{
    // Shapes and dash patterns cycle with the colours, so lines stay apart in grey print too.
    internal static readonly MarkerShape[] Shapes =
        [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond,
         MarkerShape.OpenCircle, MarkerShape.OpenSquare, MarkerShape.FilledTriangleDown, MarkerShape.OpenDiamond];

    /// <summary>A line chart with a legend to the right of the data, as PNG bytes of exactly Width×Height
    /// pixels. Points whose x or y is NaN or infinite are left out (a series with none left still gets its
    /// legend entry); each series' points are joined in the order given unless
    /// <see cref="LinePlotOptions.ConnectPoints"/> is off (markers only).</summary>
    public static byte[] LinePlot(string title, string xLabel, string yLabel, IReadOnlyList<PlotSeries> series,
        LinePlotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        options ??= new LinePlotOptions();
        options.Validate();
        using var plot = new Plot();
        if (LabelFont.SystemFamilyName is { } family)
            plot.Font.Set(family);
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < series.Count; i++)
        {
            var line = series[i] ?? throw new ArgumentException($"plot series {i} is null.", nameof(series));
            ArgumentNullException.ThrowIfNull(line.X, $"series '{line.Name}' X");
            ArgumentNullException.ThrowIfNull(line.Y, $"series '{line.Name}' Y");
            if (line.X.Length != line.Y.Length)
                throw new ArgumentException($"plot series '{line.Name}' has {line.X.Length} x values but {line.Y.Length} y values.", nameof(series));
            var kept = Enumerable.Range(0, line.X.Length).Where(j => double.IsFinite(line.X[j]) && double.IsFinite(line.Y[j])).ToArray();
            int colour = line.Color ?? i, shape = line.Shape ?? i;
            if (colour < 0 || shape < 0)
                throw new ArgumentException($"plot series '{line.Name}' has a negative colour or shape index.", nameof(series));
            var scatter = plot.Add.Scatter(kept.Select(j => line.X[j]).ToArray(), kept.Select(j => line.Y[j]).ToArray(), palette.GetColor(colour));
            scatter.LegendText = line.Name;
            scatter.LineWidth = options.ConnectPoints ? 2 : 0;
            scatter.MarkerShape = options.ShowMarkers ? Shapes[shape % Shapes.Length] : MarkerShape.None;
            scatter.MarkerSize = options.ShowMarkers ? (options.ConnectPoints ? 8 : 11) : 0;
            if (options.ConnectPoints && colour >= palette.Colors.Length)
                scatter.LinePattern = LinePattern.Dashed;
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (series.Count > 0)
            plot.ShowLegend(Edge.Right);
        if (options.YMin is { } low && options.YMax is { } high)
            plot.Axes.SetLimitsY(low, high);
        var png = plot.GetImageBytes(options.Width, options.Height, ImageFormat.Png);
        return LabelFont.SystemFamilyName is null ? AddNoFontNotice(png, title) : png;
    }

    /// <summary>ScottPlot draws no text at all without a system font; say so on the chart (in the built-in
    /// pixel font) rather than hand over a chart with unlabelled axes that looks fine at a glance.</summary>
    internal static byte[] AddNoFontNotice(byte[] png, string title)
    {
        using var bitmap = Png.Decode(png, "ScottPlot output");
        using (var canvas = new SkiaSharp.SKCanvas(bitmap))
        using (var font = new LabelFont(12f, builtIn: true))
        {
            var lines = new[] { title, "NO SYSTEM FONT: AXIS NUMBERS AND LEGEND MISSING.", "INSTALL fonts-dejavu-core." };
            for (int i = 0; i < lines.Length; i++)
                font.Draw(canvas, font.Fit(lines[i], bitmap.Width - 8), 4, 2 + i * font.LineHeight, SkiaSharp.SKColors.DarkRed);
        }
        return Png.Encode(bitmap);
    }
}
