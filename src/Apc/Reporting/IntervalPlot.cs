using ScottPlot;

namespace Apc.Reporting;

/// <summary>Grouped points with error bars (e.g. teacher–student cosine per compression method, one point per
/// matcher with its 95 % confidence interval), drawn with ScottPlot like <see cref="Plots"/>. Within a group the
/// series sit side by side in the order given, each in its own colour and marker shape (by its
/// <see cref="IntervalSeries.Style"/>, else its position; <see cref="IntervalSeries.Shape"/> sets the marker apart from
/// the colour), with a capped whisker from Low to High.</summary>
public static class IntervalPlot
{

    /// <summary>The chart as PNG bytes of exactly Width×Height pixels. Each series has one entry per group.</summary>
    public static byte[] GroupedPoints(string title, string xLabel, string yLabel, IReadOnlyList<string> groups, IReadOnlyList<IntervalSeries> series,
        LinePlotOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(series);
        options ??= new LinePlotOptions();
        options.Validate();
        foreach (var s in series)
        {
            if (s is null) throw new ArgumentException("an interval series is null.", nameof(series));
            if (s.Style is < 0)
                throw new ArgumentException($"interval series '{s.Name}' has style {s.Style}; expected 0 or more.", nameof(series));
            if (s.Shape is < 0)
                throw new ArgumentException($"interval series '{s.Name}' has shape {s.Shape}; expected 0 or more.", nameof(series));
            if (s.Mean.Length != groups.Count || s.Low.Length != groups.Count || s.High.Length != groups.Count)
                throw new ArgumentException($"interval series '{s.Name}' needs {groups.Count} means, lows and highs (one per group), " +
                    $"got {s.Mean.Length}, {s.Low.Length}, {s.High.Length}.", nameof(series));
        }
        using var plot = new Plot();
        if (LabelFont.SystemFamilyName is { } family)
            plot.Font.Set(family);
        var palette = new ScottPlot.Palettes.Category10();
        double span = 0.72, step = series.Count > 0 ? span / series.Count : 0, cap = Math.Min(0.06, step / 4);
        for (int i = 0; i < series.Count; i++)
        {
            var s = series[i];
            int style = s.Style ?? i;
            var color = palette.GetColor(style);
            double offset = (i - (series.Count - 1) / 2.0) * step;
            var xs = new List<double>();
            var ys = new List<double>();
            for (int g = 0; g < groups.Count; g++)
            {
                if (!double.IsFinite(s.Mean[g])) continue;
                double x = g + offset;
                xs.Add(x);
                ys.Add(s.Mean[g]);
                if (double.IsFinite(s.Low[g]) && double.IsFinite(s.High[g]))
                {
                    foreach (var (x1, y1, x2, y2) in new[] { (x, s.Low[g], x, s.High[g]), (x - cap, s.Low[g], x + cap, s.Low[g]), (x - cap, s.High[g], x + cap, s.High[g]) })
                    {
                        var whisker = plot.Add.Line(x1, y1, x2, y2);
                        whisker.LineColor = color;
                        whisker.LineWidth = 2;
                        whisker.MarkerSize = 0;
                    }
                }
            }
            var points = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), color);
            points.LineWidth = 0;
            points.MarkerShape = Plots.Shapes[(s.Shape ?? style) % Plots.Shapes.Length];
            points.MarkerSize = 11;
            points.LegendText = s.Name;
        }
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int g = 0; g < groups.Count; g++) ticks.AddMajor(g, groups[g]);
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.Bottom.TickLabelStyle.FontSize = 15; // the group names are what the reader looks for first
        plot.Legend.FontSize = 14;
        for (int g = 1; g < groups.Count; g++)
        {
            var separator = plot.Add.VerticalLine(g - 0.5);
            separator.Color = Colors.Gray.WithAlpha(0.35);
            separator.LineWidth = 1;
        }
        plot.Axes.SetLimitsX(-0.5, Math.Max(groups.Count, 1) - 0.5);
        if (options.YMin is { } low && options.YMax is { } high)
            plot.Axes.SetLimitsY(low, high);
        plot.Title(title);
        plot.YLabel(yLabel);
        plot.XLabel(xLabel);
        plot.Grid.XAxisStyle.MajorLineStyle.Width = 0; // the separators group the points; x grid lines would cut through them
        if (series.Count > 0)
            plot.ShowLegend(Edge.Right);
        var png = plot.GetImageBytes(options.Width, options.Height, ImageFormat.Png);
        return LabelFont.SystemFamilyName is null ? Plots.AddNoFontNotice(png, title) : png;
    }
}
