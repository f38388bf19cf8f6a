namespace Apc.Reporting;

/// <summary>One named line of a <see cref="Plots.LinePlot"/>: points (X[i], Y[i]).</summary>
public sealed record PlotSeries(string Name, double[] X, double[] Y);
