namespace Apc.Models;

/// <summary>Builds a network from its configuration.</summary>
public static class ModelFactory
{
    public static ClassifierNet Create(ModelConfig config) => config.Arch.Family switch
    {
        "vgg" => new Vgg(config),
        "resnet" => new ResNet(config),
        _ => throw new UsageException($"unknown architecture family '{config.Arch.Family}'."),
    };
}
