namespace Apc.Evaluation.Statistics;

/// <summary>What <see cref="ClusterBootstrap.Mean"/> found.</summary>
/// <param name="Overall">Mean of all values and its percentile interval; N is the number of values.</param>
/// <param name="GroupMeans">Mean of each group's values (NaN for a group without values).</param>
/// <param name="GroupValues">Number of values in each group.</param>
/// <param name="Clusters">Number of clusters over all groups.</param>
public sealed record BootstrapResult(Estimate Overall, double[] GroupMeans, int[] GroupValues, int Clusters);
