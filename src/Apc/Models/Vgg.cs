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
    // The channel permutations of block-sparse convs: owned here (disposed with the network), no state-dict entries.
    readonly TorchSharp.Modules.ModuleList<ChannelPermutation> permutations = new();
    readonly string lastConvRelu, lastPool;

    /// <summary>The feature configuration of VGG of <paramref name="depth"/> (11, 13, 16, 19): widths, -1 for a pool.</summary>
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

    /// <summary>The reference stage (1..5) of each entry of a VGG configuration: a pool closes its stage.
    /// Stages follow the configuration, not the pools built, so names stay those of the reference under skip-pools.</summary>
    public static int[] Stages(int[] configuration)
    {
        var stages = new int[configuration.Length];
        int stage = 1;
        for (int i = 0; i < configuration.Length; i++)
        {
            stages[i] = stage;
            if (configuration[i] == ArchSpec.Pool) stage++;
        }
        return stages;
    }

    /// <summary>A VGG-BN for <paramref name="config"/>, with fresh weights.</summary>
    public Vgg(ModelConfig config) : base("Vgg", config.Validated())
    {
        var widths = Widths(config.Arch);
        var stages = Stages(widths);
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        long channels = config.InChannels, size = config.ImageSize;
        // Module names are the reference's positions (features.N as torchvision numbers them with every pool
        // built), so a skipped pool leaves a gap and every other key, pretrained weights included, lines up.
        int position = 0, inStage = 1, conv = 0;
        string lastRelu = "", pool = "";
        for (int i = 0; i < widths.Length; i++)
        {
            var (width, stage) = (widths[i], stages[i]);
            if (width == ArchSpec.Pool)
            {
                if (config.Arch.BuildsPool(stage))
                {
                    Add(layers, position, LayerKind.MaxPool, nn.MaxPool2d(2, 2), $"pool{stage}");
                    pool = $"features.{position}";
                    size /= 2;
                }
                position++; inStage = 1;
                continue;
            }
            var layout = BlockLayout.Of(config.Arch, conv, (int)channels, width, $"architecture {config.Arch}: conv{stage}_{inStage}");
            int blocks = layout?.Blocks ?? 1;
            // A block-sparse conv is gather → grouped conv → batch norm (in the grouped order) → scatter; conv and batch
            // norm stay adjacent, so batch-norm folding (propagation rules, export) sees the usual pair.
            if (layout is not null) AddPermutation($"features.{position}.gather", layout.InputOrder);
            Add(layers, position, LayerKind.Conv, nn.Conv2d(channels, width, 3, padding: 1, groups: blocks), $"conv{stage}_{inStage}");
            Add(layers, position + 1, LayerKind.BatchNorm, nn.BatchNorm2d(width), $"bn{stage}_{inStage}");
            if (layout is not null) AddPermutation($"features.{position + 1}.scatter", BlockLayout.Inverse(layout.OutputOrder));
            conv++;
            Add(layers, position + 2, LayerKind.ReLU, nn.ReLU(), $"relu{stage}_{inStage}");
            lastRelu = $"features.{position + 2}";
            position += 3; channels = width; inStage++;
        }
        if (size < 1) throw new UsageException($"image size {config.ImageSize} is too small for {config.Arch} (its 2x poolings).");
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

        void AddPermutation(string name, IReadOnlyList<int> order)
        {
            var permutation = new ChannelPermutation(order);
            permutations.Add(permutation);
            nodes.Add(new LayerNode(name, LayerKind.Permute, permutation));
        }

        void Add(List<(string, nn.Module<Tensor, Tensor>)> list, int index, LayerKind kind, nn.Module<Tensor, Tensor> module, string alias)
        {
            var name = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            list.Add((name, module));
            nodes.Add(new LayerNode($"features.{name}", kind, module, alias));
        }
    }

    /// <summary>Spatial size of the last pool's output for an input size (floor division by 2 per built pool).</summary>
    public static int FeatureSize(ArchSpec arch, int imageSize)
    {
        var widths = Widths(arch);
        var stages = Stages(widths);
        return Enumerable.Range(0, widths.Length).Where(i => widths[i] == ArchSpec.Pool && arch.BuildsPool(stages[i]))
            .Aggregate(imageSize, (s, _) => s / 2);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ModelNode> Nodes => nodes;
    /// <inheritdoc/>
    public override string DefaultAttributionLayer => lastConvRelu;
    /// <inheritdoc/>
    public override string DefaultMatchingLayer => lastPool;
}
