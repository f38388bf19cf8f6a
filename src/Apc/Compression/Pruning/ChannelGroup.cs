namespace Apc.Compression.Pruning;

/// <summary>Channels that must be removed together: the output filters of one conv, the matching entries of the
/// batch norm after it, and the input channels (or column blocks) of the one layer that consumes them.
/// Found by <see cref="PruningDependencies.Groups"/>.</summary>
/// <param name="Conv">Canonical name of the conv whose output filters are pruned (e.g. features.0, layer1.0.conv1).</param>
/// <param name="Alias">Its short name where the model has one (conv1_1), else null.</param>
/// <param name="BatchNorm">The batch norm right after the conv, or null if there is none.</param>
/// <param name="Activation">The node whose output the attribution criterion scores: the conv's ReLU (else its
/// batch norm, else the conv itself).</param>
/// <param name="Channels">The conv's current number of output filters.</param>
/// <param name="Consumer">The layer that reads these channels.</param>
/// <param name="SpecIndex">Position of this conv's width in the architecture's explicit channel list
/// (<see cref="Models.ArchSpec.Channels"/>), so that a smaller network can be built from the spec.</param>
public sealed record ChannelGroup(
    string Conv,
    string? Alias,
    string? BatchNorm,
    string Activation,
    int Channels,
    ChannelConsumer Consumer,
    int SpecIndex)
{
    /// <summary>The alias if any, else the canonical name (for messages and JSON).</summary>
    public string DisplayName => Alias ?? Conv;
}
