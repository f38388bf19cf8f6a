namespace Apc.Models;

/// <summary>Everything needed to build a network: the architecture plus the shape of the data it sees.</summary>
public sealed record ModelConfig(ArchSpec Arch, int InChannels, int NumClasses, int ImageSize)
{
    /// <summary>Throws a one-line <see cref="UsageException"/> for fewer than 1 input channel or class, or images under 32 px; returns the configuration.</summary>
    public ModelConfig Validated()
    {
        if (InChannels < 1) throw new UsageException($"model input channels must be at least 1 (got {InChannels}).");
        if (NumClasses < 1) throw new UsageException($"model classes must be at least 1 (got {NumClasses}).");
        if (ImageSize < 32) throw new UsageException($"--image-size must be at least 32 for five 2x poolings (got {ImageSize}).");
        return this;
    }
}
