namespace Apc.Cli.Experiments;

/// <summary>The built-in plans of apc demo, sized for a 2-core CPU.</summary>
public static class DemoConfigs
{
    static readonly ExperimentConfig.CompressionSection[] Methods =
    {
        new() { Method = "kd", Options = new[] { "--student", "vgg11-bn:w=1/16", "--epochs", "3", "--lr", "0.05" } },
        new() { Method = "structured", Options = new[] { "--ratio", "0.5", "--epochs", "2", "--lr", "0.01" } },
        new() { Method = "unstructured", Options = new[] { "--rounds", "2", "--rate", "0.5", "--epochs", "1", "--lr", "0.01" } },
        new() { Method = "quantize", Options = new[] { "--bits", "4", "--epochs", "1", "--lr", "0.005" } },
    };

    public static ExperimentConfig Full(IReadOnlyList<int> seeds) => new()
    {
        Name = "apc demo",
        Data = new() { Dataset = "fashion-scenes", TrainSize = 2000, ValSize = 300 },
        Teacher = new() { Arch = "vgg11-bn:w=1/4", Epochs = 6, Lr = 0.05, LrSteps = "4,6" },
        Compressions = Methods,
        Matchers = new[] { "none", "at", "wcam", "wcam:drop=0.3" },
        MatchLayers = "pool5",
        Evaluation = new() { Methods = new[] { "gradcam", "lrp", "excitation-backprop", "rap" }, ValSize = 100 },
        Seeds = seeds,
    };

    public static ExperimentConfig Quick(IReadOnlyList<int> seeds) => new()
    {
        Name = "apc demo --quick",
        Data = new() { Dataset = "fashion-scenes", TrainSize = 2048, ValSize = 128 },
        Teacher = new() { Arch = "vgg11-bn:w=1/8", Epochs = 6, Lr = 0.05, LrSteps = "5" },
        Compressions = new ExperimentConfig.CompressionSection[]
        {
            new() { Method = "kd", Options = new[] { "--student", "vgg11-bn:w=1/16", "--epochs", "3" } },
            new() { Method = "structured", Options = new[] { "--ratio", "0.5", "--epochs", "1" } },
        },
        Matchers = new[] { "none", "wcam" },
        MatchLayers = "pool5",
        Evaluation = new() { Methods = new[] { "gradcam", "lrp" }, ValSize = 64, Examples = new[] { 0, 1 } },
        Seeds = seeds,
    };
}
