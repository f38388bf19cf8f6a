using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Models;

/// <summary>VGG with batch norm (Simonyan &amp; Zisserman 2015), state-dict names as torchvision's
/// (features.N), with the head of method.md §3: Dropout(0.5) + Linear on the flattened last pool.
/// Widths come from a multiplier or an explicit per-layer list (pruned networks).</summary>
public sealed class Vgg : ClassifierNet
{
    readonly TorchSharp.Modules.Sequential features;
    readonly TorchSharp.Modules.Sequential classifier;
    readonly List<ModelNode> nodes = new();
    readonly string lastConvRelu, lastPool;

    public static int[] Configuration(int depth) => depth switch
    {
        11 => new[] { 64, -1, 128, -1, 256, 256, -1, 512, 512, -1, 512, 512, -1 },
        13 => new[] { 64, 64, -1, 128, 128, -1, 256, 256, -1, 512, 512, -1, 512, 512, -1 },
        16 => new[] { 64, 64, -1, 128, 128, -1, 256, 256, 256, -1, 512, 512, 512, -1, 512, 512, 512, -1 },
        19 => new[] { 64, 64, -1, 128, 128, -1, 256, 256, 256, 256, -1, 512, 512, 512, 512, -1, 512, 512, 512, 512, -1 },
        _ => throw new UsageException($"VGG depth {depth} is not one of 11, 13, 16, 19."),
    };

    /// <summary>The widths actually built: the explicit list, or the depth's configuration times the multiplier.</summary>
    public static int[] Widths(ArchSpec arch) =>
        arch.Channels ?? Configuration(arch.Depth).Select(c => c == ArchSpec.Pool ? c : Math.Max(1, (int)Math.Round(c * arch.Width))).ToArray();

    public Vgg(ModelConfig config) : base("Vgg", config.Validated())
    {
        var widths = Widths(config.Arch);
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        long channels = config.InChannels, size = config.ImageSize;
        int stage = 1, inStage = 1;
        string lastRelu = "", pool = "";
        foreach (var width in widths)
        {
            var index = layers.Count;
            if (width == ArchSpec.Pool)
            {
                Add(layers, LayerKind.MaxPool, nn.MaxPool2d(2, 2), $"pool{stage}");
                pool = $"features.{index}";
                size /= 2; stage++; inStage = 1;
                continue;
            }
            Add(layers, LayerKind.Conv, nn.Conv2d(channels, width, 3, padding: 1), $"conv{stage}_{inStage}");
            Add(layers, LayerKind.BatchNorm, nn.BatchNorm2d(width), $"bn{stage}_{inStage}");
            Add(layers, LayerKind.ReLU, nn.ReLU(), $"relu{stage}_{inStage}");
            lastRelu = $"features.{index + 2}";
            channels = width; inStage++;
        }
        if (size < 1) throw new UsageException($"image size {config.ImageSize} is too small for {config.Arch} (five 2x poolings).");
        features = nn.Sequential(layers);
        nodes.Add(new LayerNode("flatten", LayerKind.Flatten, nn.Flatten()));
        var dropout = nn.Dropout(0.5);
        var linear = nn.Linear(channels * size * size, config.NumClasses);
        classifier = nn.Sequential(("0", dropout), ("1", linear));
        nodes.Add(new LayerNode("classifier.0", LayerKind.Dropout, dropout, "dropout"));
        nodes.Add(new LayerNode("classifier.1", LayerKind.Linear, linear, "fc"));
        lastConvRelu = lastRelu;
        lastPool = pool;
        RegisterComponents();
        WeightInit.Apply(this);

        void Add(List<(string, nn.Module<Tensor, Tensor>)> list, LayerKind kind, nn.Module<Tensor, Tensor> module, string alias)
        {
            var name = list.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            list.Add((name, module));
            nodes.Add(new LayerNode($"features.{name}", kind, module, alias));
        }
    }

    /// <summary>Spatial size of the last pool's output for an input size (floor division by 2 per pool).</summary>
    public static int FeatureSize(ArchSpec arch, int imageSize) =>
        Widths(arch).Where(c => c == ArchSpec.Pool).Aggregate(imageSize, (s, _) => s / 2);

    public override IReadOnlyList<ModelNode> Nodes => nodes;
    public override string DefaultAttributionLayer => lastConvRelu;
    public override string DefaultMatchingLayer => lastPool;
}
