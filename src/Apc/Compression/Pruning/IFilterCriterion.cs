using Apc.Models;

namespace Apc.Compression.Pruning;

/// <summary>Scores the output filters of every prunable conv; a plan keeps the highest-scoring ones.</summary>
public interface IFilterCriterion
{
    /// <summary>l1 or attribution, for plans and metrics.json.</summary>
    string Name { get; }

    /// <summary>One score per output filter of each group's conv, keyed by <see cref="ChannelGroup.Conv"/>.
    /// Must not change the model (its weights or its train/eval mode).</summary>
    IReadOnlyDictionary<string, double[]> Score(ClassifierNet model, IReadOnlyList<ChannelGroup> groups);
}
