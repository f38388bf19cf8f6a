namespace Apc.Models;

/// <summary>Builds a network from its configuration.</summary>
public static class ModelFactory
{
    /// <summary>The network of <paramref name="config"/>, built by its architecture family
    /// (<see cref="ArchitectureFamilies"/>); fresh weights from torch's current seed. An unknown family or bad
    /// configuration is a <see cref="UsageException"/>.</summary>
    public static ClassifierNet Create(ModelConfig config) => ArchitectureFamilies.Get(config.Arch.Family).Create(config);
}
