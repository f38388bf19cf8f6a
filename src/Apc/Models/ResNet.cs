using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Models;

/// <summary>ResNet-18 (He et al. 2016) with basic blocks, state-dict names as torchvision's (conv1, layer1.0.conv1,
/// layer1.0.downsample.0, fc). Small inputs (&lt; 128 px) get a 3x3 stride-1 stem without max-pool, as is usual
/// for CIFAR-sized images; larger ones the 7x7 stride-2 stem with max-pool. Widths: multiplier, or explicit
/// stem + per-block inner widths (structured pruning prunes a block's inner width only; the widths tied by the
/// residual additions are left alone).</summary>
public sealed class ResNet : ClassifierNet
{
    static readonly int[] StageWidths = { 64, 128, 256, 512 };
    readonly TorchSharp.Modules.Conv2d conv1;
    readonly TorchSharp.Modules.BatchNorm2d bn1;
    readonly TorchSharp.Modules.Sequential layer1, layer2, layer3, layer4;
    readonly TorchSharp.Modules.Linear fc;
    readonly List<ModelNode> nodes = new();

    /// <summary>Stem width, then the inner width of each of the 8 basic blocks.</summary>
    public static int[] Widths(ArchSpec arch)
    {
        if (arch.Channels is not null) return arch.Channels;
        int Scale(int c) => Math.Max(1, (int)Math.Round(c * arch.Width));
        return new[] { Scale(64) }.Concat(StageWidths.SelectMany(w => new[] { Scale(w), Scale(w) })).ToArray();
    }

    /// <summary>Stage output widths (tied by the residual additions), from the width multiplier.</summary>
    public static int[] StageOutputs(ArchSpec arch) => StageWidths.Select(c => Math.Max(1, (int)Math.Round(c * arch.Width))).ToArray();

    /// <summary>A ResNet-18 for <paramref name="config"/>, with fresh weights.</summary>
    public ResNet(ModelConfig config) : base("ResNet", config.Validated())
    {
        var widths = Widths(config.Arch);
        var outputs = StageOutputs(config.Arch);
        bool large = config.ImageSize >= 128;
        conv1 = large ? nn.Conv2d(config.InChannels, widths[0], 7, stride: 2, padding: 3, bias: false)
                      : nn.Conv2d(config.InChannels, widths[0], 3, stride: 1, padding: 1, bias: false);
        bn1 = nn.BatchNorm2d(widths[0]);
        nodes.Add(new LayerNode("conv1", LayerKind.Conv, conv1));
        nodes.Add(new LayerNode("bn1", LayerKind.BatchNorm, bn1));
        nodes.Add(new LayerNode("relu", LayerKind.ReLU, nn.ReLU()));
        if (large) nodes.Add(new LayerNode("maxpool", LayerKind.MaxPool, nn.MaxPool2d(3, 2, 1)));

        long channels = widths[0];
        var stages = new TorchSharp.Modules.Sequential[4];
        for (int s = 0; s < 4; s++)
        {
            var blocks = new List<(string, nn.Module<Tensor, Tensor>)>();
            for (int b = 0; b < 2; b++)
            {
                int stride = s > 0 && b == 0 ? 2 : 1;
                var prefix = $"layer{s + 1}.{b}";
                var block = new BasicBlock(channels, widths[1 + 2 * s + b], outputs[s], stride);
                blocks.Add((b.ToString(System.Globalization.CultureInfo.InvariantCulture), block));
                nodes.Add(block.Describe(prefix));
                nodes.Add(new LayerNode($"{prefix}.relu", LayerKind.ReLU, nn.ReLU(), b == 1 ? $"layer{s + 1}" : null));
                channels = outputs[s];
            }
            stages[s] = nn.Sequential(blocks);
        }
        (layer1, layer2, layer3, layer4) = (stages[0], stages[1], stages[2], stages[3]);
        nodes.Add(new LayerNode("avgpool", LayerKind.AvgPool, nn.AdaptiveAvgPool2d(1)));
        nodes.Add(new LayerNode("flatten", LayerKind.Flatten, nn.Flatten()));
        fc = nn.Linear(channels, config.NumClasses);
        nodes.Add(new LayerNode("fc", LayerKind.Linear, fc));
        RegisterComponents();
        WeightInit.Apply(this);
    }

    /// <inheritdoc/>
    public override IReadOnlyList<ModelNode> Nodes => nodes;
    /// <inheritdoc/>
    public override string DefaultAttributionLayer => "layer4.1.relu";
    /// <inheritdoc/>
    public override string DefaultMatchingLayer => "layer4.1.relu";

    /// <summary>Two 3x3 convs with batch norm; a 1x1 projection on the shortcut when the shape changes.</summary>
    sealed class BasicBlock : nn.Module<Tensor, Tensor>
    {
        readonly TorchSharp.Modules.Conv2d conv1, conv2;
        readonly TorchSharp.Modules.BatchNorm2d bn1, bn2;
        readonly TorchSharp.Modules.Sequential? downsample;
        readonly TorchSharp.Modules.ReLU relu1 = nn.ReLU();

        public BasicBlock(long input, long inner, long output, int stride) : base("BasicBlock")
        {
            conv1 = nn.Conv2d(input, inner, 3, stride: stride, padding: 1, bias: false);
            bn1 = nn.BatchNorm2d(inner);
            conv2 = nn.Conv2d(inner, output, 3, stride: 1, padding: 1, bias: false);
            bn2 = nn.BatchNorm2d(output);
            if (stride != 1 || input != output)
                downsample = nn.Sequential(("0", nn.Conv2d(input, output, 1, stride: stride, bias: false)), ("1", nn.BatchNorm2d(output)));
            RegisterComponents();
        }

        public ResidualNode Describe(string prefix)
        {
            var main = new List<ModelNode>
            {
                new LayerNode($"{prefix}.conv1", LayerKind.Conv, conv1),
                new LayerNode($"{prefix}.bn1", LayerKind.BatchNorm, bn1),
                new LayerNode($"{prefix}.relu1", LayerKind.ReLU, relu1),
                new LayerNode($"{prefix}.conv2", LayerKind.Conv, conv2),
                new LayerNode($"{prefix}.bn2", LayerKind.BatchNorm, bn2),
            };
            var shortcut = downsample is null
                ? new List<ModelNode>()
                : new List<ModelNode>
                {
                    new LayerNode($"{prefix}.downsample.0", LayerKind.Conv, (nn.Module<Tensor, Tensor>)downsample[0]),
                    new LayerNode($"{prefix}.downsample.1", LayerKind.BatchNorm, (nn.Module<Tensor, Tensor>)downsample[1]),
                };
            return new ResidualNode($"{prefix}.add", main, shortcut);
        }

        public override Tensor forward(Tensor x)
        {
            var main = bn2.call(conv2.call(relu1.call(bn1.call(conv1.call(x)))));
            return main.add(downsample is null ? x : downsample.call(x));
        }
    }
}
