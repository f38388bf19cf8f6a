using Apc.Checkpoints;
using Apc.Compression;
using Apc.Compression.KernelQuantization;
using Apc.Matching;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;
using static Apc.Tests.Compression.Pruning.PruningTestNets;

namespace Apc.Tests.Compression.KernelQuantization;

public class KernelQuantizationStageTests
{
    const string Arch = "vgg11-bn:w=1/16"; // widths 4, 8, 16, 16, 32, 32, 32, 32


    [Theory]
    [InlineData(MatchingKind.None, 0.0)]
    [InlineData(MatchingKind.At, 0.0)]
    [InlineData(MatchingKind.Wcam, 0.0)]
    [InlineData(MatchingKind.Wcam, 0.5)]
    public void EveryConvKernelIsACodebookEntryAfterFineTuningWithEveryMatcher(string matcher, double drop)
    {
        using var dir = new TempFolder();
        using var teacher = Build(Arch);
        teacher.eval();
        var stage = new KernelQuantizationStage(new KernelQuantizationOptions(IndexBits: 2, Iterations: 10));
        Assert.Equal("kernel-quantize", stage.Method);
        var context = Context(teacher, teacher, dir.Path, epochs: 2) with
        {
            Matcher = Matchers.Create(new MatcherOptions(matcher, Weight: 10, Drop: drop)),
        };
        using var result = stage.Run(context);

        KernelQuantTestSupport.AssertOnCodebooks(result.Model, result.Extra, indexBits: 2, codebookBits: 6, layers: 8);
        // The matcher is attached: its term is in every epoch's loss (β·L_AM as "match"), and absent without one. (At 32 px
        // the last pool is 1×1, where attention maps normalise to 1 and agree; wcam's ReLU'd maps can still differ.)
        Assert.NotNull(result.Training);
        Assert.All(result.Training!.History, h =>
        {
            Assert.Equal(matcher != MatchingKind.None, h.LossParts.ContainsKey("match"));
            if (matcher == MatchingKind.Wcam) Assert.True(h.LossParts["l_am"] > 0);
        });

        // The checkpoint reloads bit for bit: same weights, same stored codebooks, same logits.
        Assert.Equal(Path.Combine(dir.Path, "model.ckpt"), result.CheckpointPath);
        using var saved = ModelCheckpoint.Load(result.CheckpointPath);
        Assert.Equal("kernel-quantize", saved.Info.Kind);
        Assert.Equal(result.Extra.Keys.Order(), saved.Extra.Keys.Order());
        Assert.DoesNotContain(saved.Extra.Keys, k => k.EndsWith(".master", StringComparison.Ordinal));
        KernelQuantTestSupport.AssertOnCodebooks(saved.Model, saved.Extra, indexBits: 2, codebookBits: 6, layers: 8);
        torch.manual_seed(2);
        var x = randn(4, 1, 32, 32);
        TensorAssert.Same(Logits(result.Model, x), Logits(saved.Model, x), "logits after reload");
        Assert.Equal(8, saved.Info.Compression!["quantized_convs"]!.GetValue<int>());
    }

    [Fact]
    public void FineTuningMovesTheCodebooksNotTheAssignments()
    {
        using var dir = new TempFolder();
        using var teacher = Build(Arch);
        teacher.eval();
        var options = new KernelQuantizationOptions(IndexBits: 2, Iterations: 10);
        using var clustered = Clone(teacher);
        using (var codebooks = new KernelCodebooks(clustered, options))
        using (var result = new KernelQuantizationStage(options).Run(Context(teacher, teacher, dir.Path, epochs: 1)))
        {
            var before = codebooks.QuantizedTensors();
            foreach (var layer in codebooks.Layers)
            {
                TensorAssert.Same(before[KernelCodebooks.IndexKey(layer.Parameter)], result.Extra[KernelCodebooks.IndexKey(layer.Parameter)], "indices");
                Assert.False(Param(clustered, layer.Parameter).equal(Param(result.Model, layer.Parameter)).all().item<bool>(),
                    $"{layer.Parameter}: fine-tuning did not move its codebook");
            }
            foreach (var t in before.Values) t.Dispose();
        }
    }

    [Fact]
    public void AnEntryMovesByTheMeanOfItsKernelsSteps()
    {
        using var model = Build("vgg11-bn:channels=4,M,8,M,8,8,M,8,8,M,8,8,M");
        using var codebooks = new KernelCodebooks(model, new KernelQuantizationOptions(IndexBits: 2, CodebookBits: 8, Iterations: 5));
        var layer = codebooks.Layers[1]; // conv2_1: 32 kernels, 4 entries
        var weight = Param(model, layer.Parameter);
        var master = layer.Master.clone();
        torch.manual_seed(9);
        var step = randn(weight.shape) * 1e-3;
        using (no_grad()) weight.add_(step);
        codebooks.AfterStep();
        // Expected, by a loop over the kernels: master_j + (Σ_{index = j} step) / n_j.
        var sums = zeros_like(master);
        var counts = new long[layer.Entries];
        var steps = step.reshape(layer.Kernels, layer.KernelSize);
        var index = layer.Index.data<long>().ToArray();
        for (int n = 0; n < index.Length; n++)
        {
            sums[index[n]] = sums[index[n]] + steps[n];
            counts[index[n]]++;
        }
        Assert.All(counts, c => Assert.True(c > 0));
        var expected = master + sums / tensor(counts).to(float32).unsqueeze(1);
        TensorAssert.Close(expected, layer.Master, rtol: 1e-5, atol: 1e-7, what: "codebook after one step");
        // And the weight is back on the codebook: fq(master)[index].
        using var written = layer.Weight();
        TensorAssert.Same(written, weight.detach(), "weight after the step");
    }

    [Fact]
    public void BitsPerConvParameterCountIndicesCodebooksAndScales()
    {
        Assert.Equal(32 * 4 + 16 * 9 * 6 + 32, KernelCodebook.Bits(kernels: 32, kernelSize: 9, entries: 16, codebookBits: 6));

        // Widths 4,8,8,8,8,8,8,8 (3×3 convs, one input channel), b = 2 (4 entries), 6-bit codebooks. Per conv:
        // N·2 + 4·9·6 + 32 bits. conv1_1 N = 4: 8 + 216 + 32 = 256 over 36 weights; conv2_1 N = 32: 64 + 248 = 312 over 288;
        // six convs N = 64: 128 + 248 = 376 over 576. Total 256 + 312 + 6·376 = 2824 bits over 36 + 288 + 6·576 = 3780 weights.
        using var model = Build("vgg11-bn:channels=4,M,8,M,8,8,M,8,8,M,8,8,M");
        using (var codebooks = new KernelCodebooks(model, new KernelQuantizationOptions(IndexBits: 2, Iterations: 5)))
        {
            var facts = codebooks.Describe();
            Assert.Equal(3780, facts["quantized_conv_weights"]!.GetValue<long>());
            Assert.Equal(2824, facts["quantized_conv_bits"]!.GetValue<long>());
            Assert.Equal(2824.0 / 3780, facts["bits_per_conv_parameter"]!.GetValue<double>(), 12);
            Assert.Equal(0, facts["float_conv_weights"]!.GetValue<long>());
            // Float: conv biases 4 + 7·8 = 60, batch norms 2·(4 + 7·8) = 120, linear 8·4 + 4 = 36.
            Assert.Equal(216, facts["float_parameters"]!.GetValue<long>());
            Assert.Equal((2824 + 32 * 216 + 7) / 8, facts["packed_size_bytes"]!.GetValue<long>());
            Assert.Equal(4, facts["layers"]![0]!["codebook_size"]!.GetValue<long>());
            Assert.Equal(256.0 / 36, facts["layers"]![0]!["bits_per_weight"]!.GetValue<double>(), 12);
        }

        // conv1_1 left float: it counts 32 bits per weight in the all-convs figure.
        using var other = Build("vgg11-bn:channels=4,M,8,M,8,8,M,8,8,M,8,8,M");
        using (var codebooks = new KernelCodebooks(other, new KernelQuantizationOptions(IndexBits: 2, Iterations: 5,
                   PerLayer: new Dictionary<string, int> { ["conv1_1"] = 0 })))
        {
            var facts = codebooks.Describe();
            Assert.Equal(7, facts["quantized_convs"]!.GetValue<int>());
            Assert.Equal(36, facts["float_conv_weights"]!.GetValue<long>());
            Assert.Equal((2824.0 - 256) / (3780 - 36), facts["bits_per_conv_parameter"]!.GetValue<double>(), 12);
            Assert.Equal((2824.0 - 256 + 32 * 36) / 3780, facts["bits_per_conv_parameter_all_convs"]!.GetValue<double>(), 12);
        }
    }

    [Fact]
    public void OneByOneConvsStayFloat()
    {
        using var resnet = Build("resnet18:w=1/16");
        var layers = new KernelQuantizationOptions().Layers(resnet);
        var convs = resnet.AllNodes().OfType<LayerNode>().Where(n => n.Kind == LayerKind.Conv).ToList();
        Assert.Equal(convs.Count(c => KernelQuantizationOptions.KernelSize(c) > 1), layers.Count);
        Assert.DoesNotContain(layers, l => l.Conv.Name.Contains("downsample", StringComparison.Ordinal));
        Assert.Contains(convs, c => c.Name.Contains("downsample", StringComparison.Ordinal));
        Assert.Contains("has 1×1 kernels", Assert.Throws<UsageException>(() =>
            new KernelQuantizationOptions(PerLayer: new Dictionary<string, int> { ["layer2.0.downsample.0"] = 4 }).Layers(resnet)).Message);
    }

    [Fact]
    public void BadOptionsAndInputsGiveOneLineErrors()
    {
        Assert.Contains("--index-bits must be between 1 and 8", Assert.Throws<UsageException>(() => new KernelQuantizationOptions(IndexBits: 9).Validated()).Message);
        Assert.Contains("--index-bits must be between 1 and 8", Assert.Throws<UsageException>(() => new KernelQuantizationOptions(IndexBits: 0).Validated()).Message);
        Assert.Contains("--codebook-bits must be between 2 and 8", Assert.Throws<UsageException>(() => new KernelQuantizationOptions(CodebookBits: 1).Validated()).Message);
        Assert.Contains("--kmeans-iterations must be at least 1", Assert.Throws<UsageException>(() => new KernelQuantizationOptions(Iterations: 0).Validated()).Message);
        Assert.Contains("'conv1' is not layer=bits", Assert.Throws<UsageException>(() => KernelQuantizationOptions.ParseLayerIndexBits("conv1")).Message);
        Assert.Contains("between 0 (float) and 8", Assert.Throws<UsageException>(() => KernelQuantizationOptions.ParseLayerIndexBits("conv1_1=9")).Message);
        Assert.Contains("kernel-quantize must be the last stage", Assert.Throws<UsageException>(() =>
            CompressionPipeline.CheckOrder(new[] { "kernel-quantize", "kd" })).Message);
        Assert.Contains("unstructured may only be followed by kd or quantize", Assert.Throws<UsageException>(() =>
            CompressionPipeline.CheckOrder(new[] { "unstructured", "kernel-quantize" })).Message);

        using var dense = Build(Arch);
        Assert.Contains("not a conv", Assert.Throws<UsageException>(() =>
            new KernelQuantizationOptions(PerLayer: new Dictionary<string, int> { ["relu1_1"] = 2 }).Layers(dense)).Message);
        using var dir = new TempFolder();
        var masks = new Dictionary<string, Tensor> { ["features.0.weight"] = ones(Param(dense, "features.0.weight").shape, dtype: ScalarType.Bool) };
        var stage = new KernelQuantizationStage();
        Assert.Contains("unstructured pruning masks", Assert.Throws<ApcException>(() => stage.Run(Context(dense, dense, dir.Path) with { Masks = masks })).Message);
    }
}
