namespace Apc.Reporting;

/// <summary>One named set of points of an <see cref="IntervalPlot"/>: per group g, an estimate Mean[g] and its
/// interval [Low[g], High[g]]. A NaN mean leaves the point out; a NaN end leaves the whisker out.</summary>
public sealed record IntervalSeries(string Name, double[] Mean, double[] Low, double[] High);
