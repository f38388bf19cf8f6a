namespace Apc.Compression.Pruning;

/// <summary>The plan for one prunable conv: which of its output filters survive.</summary>
/// <param name="Kept">Indices of the kept filters in the conv as it is now, strictly increasing.</param>
/// <param name="Scores">The criterion's score of every filter (what the choice was based on).</param>
/// <param name="Group">The conv and what its cut touches.</param>
public sealed record FilterSelection(ChannelGroup Group, IReadOnlyList<int> Kept, IReadOnlyList<double> Scores)
{
    /// <summary>How many filters the plan removes from this conv.</summary>
    public int Removed => Group.Channels - Kept.Count;
}
