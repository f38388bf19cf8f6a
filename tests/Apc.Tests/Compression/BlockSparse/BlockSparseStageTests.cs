using Apc.Checkpoints;
using Apc.Compression;
using Apc.Compression.BlockSparse;
using Apc.Matching;
using Apc.Models;
using Apc.Training;
using TorchSharp;
using static TorchSharp.torch;
using static Apc.Tests.Compression.Pruning.PruningTestNets;

namespace Apc.Tests.Compression.BlockSparse;

public class BlockSparseStageTests
{
    const string Arch = "vgg11-bn:w=1/16"; // widths 4, 8, 16, 16, 32, 32, 32, 32

    static ArchSpec Grouped(ClassifierNet dense, BlockSparseOptions options) =>
        dense.Arch with { Blocks = options.LayerBlocks(dense), BlockSeed = options.Seed };


    [Fact]
    public void SurgeredNetworkComputesTheMaskedNetworksLogits()
    {
        using var dense = Build(Arch);
        Randomize(dense, seed: 3);
        var grouped = Grouped(dense, new BlockSparseOptions(Blocks: 4, Seed: 7));
        var masks = BlockSurgery.Masks(dense, grouped);
        Assert.Equal(7, masks.Count); // every conv but the first
        WeightMasks.Apply(dense, masks);
        using var surgered = BlockSurgery.Apply(dense, grouped);

        Assert.Equal(grouped, surgered.Arch);
        torch.manual_seed(11);
        var x = randn(8, 1, 32, 32);
        TensorAssert.Close(Logits(dense, x), Logits(surgered, x), rtol: 1e-5, atol: 1e-6, what: "masked vs grouped logits");
        // Each masked conv keeps exactly 1/G of its weights, and the grouped conv holds exactly those.
        foreach (var (name, mask) in masks)
        {
            Assert.Equal(mask.numel() / 4, mask.count_nonzero().item<long>());
            Assert.Equal(mask.numel() / 4, Param(surgered, name).numel());
        }
        long removed = masks.Values.Sum(m => m.numel() * 3 / 4);
        Assert.Equal(dense.ParameterCount() - removed, surgered.ParameterCount());
        foreach (var m in masks.Values) m.Dispose();
    }

    [Fact]
    public void GroupedCheckpointReloadsExactly()
    {
        using var dense = Build(Arch);
        Randomize(dense, seed: 5);
        var grouped = Grouped(dense, new BlockSparseOptions(Blocks: 2, PerLayer: new Dictionary<string, int> { ["conv5_2"] = 8 }, Seed: 2));
        using var surgered = BlockSurgery.Apply(dense, grouped);
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, "model.ckpt");
        ModelCheckpoint.Save(path, Template(surgered), surgered);

        using var loaded = ModelCheckpoint.Load(path);
        Assert.Equal(grouped.ToString(), loaded.Info.Arch);
        Assert.Contains(":blocks=1,2,2,2,2,2,2,8:block-seed=2", loaded.Info.Arch);
        foreach (var (key, value) in surgered.state_dict()) TensorAssert.Same(value, loaded.Model.state_dict()[key], key);
        var x = randn(4, 1, 32, 32);
        TensorAssert.Same(Logits(surgered, x), Logits(loaded.Model, x), "logits after reload");
    }

    [Fact]
    public void MacsAndParametersCountTheGroupedConvs()
    {
        // Widths 4,8,8,8,8,8,8,8 at 32 px; convs at 32, 16, 8, 8, 4, 4, 2, 2 px; blocks 1,2,4,4,2,2,2,2. MACs of a conv:
        // H·W·out·(in/G)·9. conv1 32·32·4·1·9 = 36864, conv2 16·16·8·2·9 = 36864, conv3 and conv4 8·8·8·2·9 = 9216,
        // conv5 and conv6 4·4·8·4·9 = 4608, conv7 and conv8 2·2·8·4·9 = 1152, linear 8·4 = 32: 103712.
        // Parameters: conv weights out·(in/G)·9 plus out biases: 40, 152, 152, 152, 296, 296, 296, 296 = 1680; batch norms
        // 2·(4 + 7·8) = 120; linear 8·4 + 4 = 36: 1836.
        using var net = Build("vgg11-bn:channels=4,M,8,M,8,8,M,8,8,M,8,8,M:blocks=1,2,4,4,2,2,2,2:block-seed=0");
        Assert.Equal(103712, net.MultiplyAccumulates());
        Assert.Equal(1836, net.ParameterCount());
    }

    [Theory]
    [InlineData(MatchingKind.None, 0.0)]
    [InlineData(MatchingKind.At, 0.0)]
    [InlineData(MatchingKind.Wcam, 0.0)]
    [InlineData(MatchingKind.Wcam, 0.5)]
    public void MaskedWeightsStayZeroThroughFineTuningAndTheResultIsTheGroupedBestCheckpoint(string matcher, double drop)
    {
        using var dir = new TempFolder();
        using var teacher = Build(Arch);
        teacher.eval();
        var stage = new BlockSparseStage(new BlockSparseOptions(Blocks: 4, Seed: 1));
        Assert.Equal("block-sparse", stage.Method);
        var context = Context(teacher, teacher, dir.Path, epochs: 2) with
        {
            Matcher = Matchers.Create(new MatcherOptions(matcher, Weight: 10, Drop: drop)),
        };
        using var result = stage.Run(context);

        // The fine-tuned masked network: every weight off the block diagonal is exactly zero after the training steps,
        // while the kept weights moved.
        using var masked = ModelCheckpoint.Load(Path.Combine(dir.Path, "masked", "model.ckpt"));
        var masks = WeightMasks.FromExtra(masked.Extra);
        Assert.Equal(7, masks.Count);
        foreach (var (name, mask) in masks)
        {
            var weight = Param(masked.Model, name);
            Assert.Equal(0, weight[mask.logical_not()].count_nonzero().item<long>());
            Assert.False(weight.equal(Param(teacher, name) * mask).all().item<bool>(), $"{name}: training did not move the kept weights");
        }
        // The stage's result is that network in grouped form, saved to OUT/model.ckpt, computing the same logits.
        Assert.Equal(Path.Combine(dir.Path, "model.ckpt"), result.CheckpointPath);
        using var saved = ModelCheckpoint.Load(result.CheckpointPath);
        Assert.Equal("block-sparse", saved.Info.Kind);
        Assert.Equal(result.Model.Arch.ToString(), saved.Info.Arch);
        Assert.NotNull(result.Model.Arch.Blocks);
        var x = randn(4, 1, 32, 32);
        TensorAssert.Close(Logits(masked.Model, x), Logits(saved.Model, x), rtol: 1e-5, atol: 1e-6, what: "masked vs grouped");
        TensorAssert.Same(Logits(result.Model, x), Logits(saved.Model, x), "result vs saved");
        Assert.Equal(saved.Model.ParameterCount(), result.Compression["parameters_after"]!.GetValue<long>());
        Assert.Equal(saved.Model.MultiplyAccumulates(), result.Compression["macs_after"]!.GetValue<long>());
        Assert.True(saved.Model.MultiplyAccumulates() < teacher.MultiplyAccumulates());
    }

    [Fact]
    public void BadOptionsAndNetworksGiveOneLineErrors()
    {
        Assert.Contains("--blocks must be at least 2", Assert.Throws<UsageException>(() => new BlockSparseOptions(Blocks: 1).Validated()).Message);
        Assert.Contains("--permutation-seed", Assert.Throws<UsageException>(() => new BlockSparseOptions(Seed: -1).Validated()).Message);
        Assert.Contains("'conv1' is not layer=blocks", Assert.Throws<UsageException>(() => BlockSparseOptions.ParseLayerBlocks("conv1")).Message);
        Assert.Contains("at least 1", Assert.Throws<UsageException>(() => BlockSparseOptions.ParseLayerBlocks("conv2_1=0")).Message);

        using var dense = Build(Arch);
        var notDividing = Assert.Throws<UsageException>(() => new BlockSparseOptions(Blocks: 3).LayerBlocks(dense));
        Assert.Equal("conv2_1 has 4 input and 8 output channels; 3 blocks must divide both (set it per layer with --layer-blocks conv2_1=N).", notDividing.Message);
        Assert.Contains("not a conv", Assert.Throws<UsageException>(() =>
            new BlockSparseOptions(PerLayer: new Dictionary<string, int> { ["relu1_1"] = 2 }).LayerBlocks(dense)).Message);

        Assert.Contains("blocks needs one number per conv (8 for vgg11", Assert.Throws<UsageException>(() => ArchSpec.Parse("vgg11-bn:blocks=1,2")).Message);
        Assert.Contains("applies to VGG only", Assert.Throws<UsageException>(() => ArchSpec.Parse("resnet18:blocks=1,2")).Message);
        Assert.Contains("may not be followed by structured", Assert.Throws<UsageException>(() =>
            CompressionPipeline.CheckOrder(new[] { "block-sparse", "kd", "structured" })).Message);

        using var dir = new TempFolder();
        using var resnet = Build("resnet18:w=1/16");
        var stage = new BlockSparseStage(new BlockSparseOptions(Blocks: 2));
        Assert.Contains("applies to VGG only", Assert.Throws<UsageException>(() => stage.Run(Context(resnet, resnet, dir.Path))).Message);
    }

    [Fact]
    public void SpecWithBlocksPrintsAndParsesBack()
    {
        var text = "vgg11-bn:w=1/16:blocks=1,2,4,4,2,2,2,2:block-seed=9";
        var spec = ArchSpec.Parse(text);
        Assert.Equal(text, spec.ToString());
        Assert.Equal(spec, ArchSpec.Parse(spec.ToString()));
        Assert.Equal(9, spec.BlockSeed);
        Assert.NotEqual(spec, ArchSpec.Parse("vgg11-bn:w=1/16:blocks=1,2,4,4,2,2,2,2:block-seed=8"));
    }
}
