// example: architecture-family
using Apc.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Apc.Tests.Models;

/// <summary>A two-conv network: conv1 → relu1 → pool1 → conv2 → relu2 → pool2 → flatten → fc, 8 and 16 channels
/// times the width multiplier. Module fields are named like the nodes, so state-dict keys are conv1.weight, fc.bias...</summary>
public sealed class TinyCnn : ClassifierNet
{
    readonly Conv2d conv1, conv2;
    readonly ReLU relu1, relu2;
    readonly MaxPool2d pool1, pool2;
    readonly Flatten flatten;
    readonly Linear fc;
    readonly List<ModelNode> nodes;

    public TinyCnn(ModelConfig config) : base("TinyCnn", config.Validated())
    {
        int Width(int c) => Math.Max(1, (int)Math.Round(c * config.Arch.Width));
        int size = config.ImageSize / 4;
        conv1 = nn.Conv2d(config.InChannels, Width(8), 3, padding: 1);
        conv2 = nn.Conv2d(Width(8), Width(16), 3, padding: 1);
        (relu1, relu2, pool1, pool2, flatten) = (nn.ReLU(), nn.ReLU(), nn.MaxPool2d(2, 2), nn.MaxPool2d(2, 2), nn.Flatten());
        fc = nn.Linear(Width(16) * size * size, config.NumClasses);
        nodes = new List<ModelNode>
        {
            new LayerNode("conv1", LayerKind.Conv, conv1), new LayerNode("relu1", LayerKind.ReLU, relu1),
            new LayerNode("pool1", LayerKind.MaxPool, pool1), new LayerNode("conv2", LayerKind.Conv, conv2),
            new LayerNode("relu2", LayerKind.ReLU, relu2), new LayerNode("pool2", LayerKind.MaxPool, pool2),
            new LayerNode("flatten", LayerKind.Flatten, flatten), new LayerNode("fc", LayerKind.Linear, fc),
        };
        RegisterComponents();
    }

    public override IReadOnlyList<ModelNode> Nodes => nodes;
    public override string DefaultAttributionLayer => "relu2"; // Grad-CAM's read-out: the ReLU after the last conv
    public override string DefaultMatchingLayer => "pool2";    // the last pool, as for VGG
}

/// <summary>Specs "tinycnn" and "tinycnn:w=1/2". Only the required members: without the pruning members, structured
/// pruning refuses the family with a one-line error.</summary>
public sealed class TinyCnnFamily : IArchitectureFamily
{
    public string Name => "tinycnn";
    public IReadOnlyList<string> Heads { get; } = new[] { "tinycnn" };
    public ArchSpec? ParseHead(string head) => head == "tinycnn" ? new ArchSpec(Name, 2) : null;
    public string Head(ArchSpec spec) => "tinycnn";

    public void Validate(ArchSpec spec, string text)
    {
        if (spec.Channels is not null || spec.SkipPools is not null)
            throw new UsageException($"architecture '{text}': tinycnn takes only the width option w.");
    }

    public ClassifierNet Create(ModelConfig config) => new TinyCnn(config);

    /// <summary>Makes "--arch tinycnn" work in every verb.</summary>
    public static void Register() => ArchitectureFamilies.Register(new TinyCnnFamily());
}
// end example

public class TinyCnnFamilyExampleTests
{
    static readonly Lazy<bool> registered = new(() => { TinyCnnFamily.Register(); return true; });

    /// <summary>A registered family goes through the whole library: its spec parses and prints back, ModelCopy rebuilds
    /// it with equal outputs, Grad-CAM and attribution matching find its default layers (the loss of an exact copy is
    /// zero), and structured pruning refuses it with one line.</summary>
    [Fact]
    public void ARegisteredFamilyWorksThroughTheLibrary()
    {
        _ = registered.Value;
        var spec = ArchSpec.Parse("TinyCNN:w=1/2");
        Assert.Equal("tinycnn:w=1/2", spec.ToString());
        Assert.Equal(spec, ArchSpec.Parse(spec.ToString()));
        Assert.Contains("tinycnn", Assert.Throws<UsageException>(() => ArchSpec.Parse("tinycnn9")).Message);
        Assert.Contains("only the width", Assert.Throws<UsageException>(() => ArchSpec.Parse("tinycnn:channels=4")).Message);

        manual_seed(3);
        using var model = ModelFactory.Create(new ModelConfig(spec, 1, 3, 32));
        model.eval();
        Assert.Equal(new[] { "conv1.bias", "conv1.weight", "conv2.bias", "conv2.weight", "fc.bias", "fc.weight" },
            model.state_dict().Keys.Order());
        using var copy = ModelCopy.Clone(model);
        var images = Apc.Tests.Matching.MatchingNets.Images(batch: 2, size: 32);
        using (no_grad()) TensorAssert.Close(model.call(images), copy.call(images), 0, 0);

        var map = Apc.Attribution.AttributionMethods.Create("gradcam").Attribute(model, images, tensor(new long[] { 0, 1 }));
        Assert.Equal(new long[] { 2, 32, 32 }, map.shape);
        var matcher = Apc.Matching.Matchers.Create(new Apc.Matching.MatcherOptions(Apc.Matching.MatchingKind.Wcam));
        matcher.Check(model, copy);
        Assert.Equal(0, Apc.Tests.Matching.MatchingNets.MatchLoss(matcher, model, copy, images).ToDouble(), 9);

        var refused = Assert.Throws<UsageException>(() => Apc.Compression.Pruning.PruningDependencies.Groups(model));
        Assert.Contains("structured pruning does not know architecture family 'tinycnn'", refused.Message);
    }
}
