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

    /// <summary>How many marker shapes a series' shape index cycles through (<see cref="IntervalSeries.Shape"/>, <see cref="PlotSeries.Shape"/>).</summary>
    public static int ShapeCount => Shapes.Length;

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
            if (line.MarkerSize is { } size && !(size is > 0 and <= 100))
                throw new ArgumentException($"plot series '{line.Name}' has marker size {size}; expected (0, 100] pixels.", nameof(series));
            scatter.MarkerSize = options.ShowMarkers ? line.MarkerSize ?? (options.ConnectPoints ? 8 : 11) : 0;
            if (options.ConnectPoints && colour >= palette.Colors.Length)
                scatter.LinePattern = LinePattern.Dashed;
        }
        if (options.IntegerX && IntegerTicks(series.SelectMany(s => s.X)) is { Count: > 0 } positions)
        {
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            foreach (var x in positions) ticks.AddMajor(x, x.ToString(System.Globalization.CultureInfo.InvariantCulture));
            plot.Axes.Bottom.TickGenerator = ticks; // majors only: no minor ticks between whole numbers
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (series.Count > 0)
            plot.ShowLegend(Edge.Right);
        if (options.YMin is { } low && options.YMax is { } high)
            plot.Axes.SetLimitsY(low, high);
        if (options.XMin is { } left && options.XMax is { } right)
            plot.Axes.SetLimitsX(left, right);
        var png = plot.GetImageBytes(options.Width, options.Height, ImageFormat.Png);
        return LabelFont.SystemFamilyName is null ? AddNoFontNotice(png, title) : png;
    }

    /// <summary>Tick positions for an axis of whole numbers (epochs): every integer from the smallest to the largest
    /// finite value (rounded outward) when there are at most <paramref name="maxTicks"/>, otherwise the multiples of
    /// the smallest step of 1, 2 or 5 × 10^k that leaves at most that many. Empty when no value is finite.</summary>
    public static IReadOnlyList<long> IntegerTicks(IEnumerable<double> values, int maxTicks = 12)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (maxTicks < 2) throw new ArgumentOutOfRangeException(nameof(maxTicks), maxTicks, "an integer axis needs at least 2 ticks.");
        var finite = values.Where(double.IsFinite).ToList();
        if (finite.Count == 0) return [];
        long low = (long)Math.Floor(finite.Min()), high = (long)Math.Ceiling(finite.Max());
        long step = 1;
        for (int k = 0; Count(step) > maxTicks; k++)
            step = new long[] { 2, 5, 10 }[k % 3] * (long)Math.Pow(10, k / 3);
        var ticks = new List<long>();
        for (long t = FirstMultiple(step); t <= high; t += step) ticks.Add(t);
        return ticks;

        long FirstMultiple(long s) => (long)Math.Ceiling((double)low / s) * s;
        long Count(long s) => (high - FirstMultiple(s)) / s + 1;
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
