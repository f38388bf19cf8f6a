namespace Apc.Reporting;

/// <summary>One named set of points of an <see cref="IntervalPlot"/>: per group g, an estimate Mean[g] and its
/// interval [Low[g], High[g]]. A NaN mean leaves the point out; a NaN end leaves the whisker out. <paramref name="Style"/>
/// picks the colour and marker shape (an index into the plot's palette and shapes, cycling); null takes the series'
/// position in the chart, so give it where the same series must look alike in charts that hold different series.
/// <paramref name="Shape"/>, when given, picks the marker shape instead (an index into the shapes, cycling), so that
/// series can share a colour and differ by marker.</summary>
public sealed record IntervalSeries(string Name, double[] Mean, double[] Low, double[] High, int? Style = null, int? Shape = null);
