namespace Apc.Evaluation.Statistics;

/// <summary>One group of a <see cref="ClusterBootstrap"/> (in apc: one seed): Values[i] belongs to cluster
/// Clusters[i] (in apc: the image of the pair). Values must be finite.</summary>
public sealed record ClusterGroup(int[] Clusters, double[] Values);
