using Apc.Attribution;
using Apc.Checkpoints;
using Apc.Deployment;
using Apc.Models;
using Apc.Tests.Attribution;
using Apc.Tests.Cli;
using Google.Protobuf;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace Apc.Tests.Deployment;

/// <summary>Occlusion and RISE, written once over <see cref="IImageClassifier"/>, against closed forms, across runtimes,
/// and end to end on an ONNX export.</summary>
[Collection(nameof(OnnxRuntimeCollection))]
public class PerturbationTests
{
    /// <summary>logits = W·vec(x) + b: occluding a patch P with baseline β lowers logit k by Σ_{p∈P} W_k(p)(x(p) − β).</summary>
    sealed class LinearClassifier(Tensor weight, Tensor bias, ModelConfig config) : IImageClassifier
    {
        public ModelConfig Config => config;
        public int Calls { get; private set; }
        public long LargestBatch { get; private set; }
        public Tensor Logits(Tensor images)
        {
            Calls++;
            LargestBatch = Math.Max(LargestBatch, images.shape[0]);
            return images.reshape(images.shape[0], -1).matmul(weight.t()).add(bias);
        }
    }

    static LinearClassifier Linear(int channels, int size, int classes, int seed)
    {
        using var g = new Generator((ulong)seed);
        var config = new ModelConfig(new ArchSpec("test", 0), channels, classes, size);
        return new LinearClassifier(randn(new long[] { classes, channels * size * size }, generator: g), randn(new long[] { classes }, generator: g), config);
    }

    [Fact]
    public void OcclusionOfALinearModelIsTheClosedForm()
    {
        using var scope = NewDisposeScope();
        const int channels = 2, size = 11, patch = 4, stride = 3;
        var model = Linear(channels, size, 3, seed: 4);
        using var g = new Generator(7);
        var x = randn(new long[] { 3, channels, size, size }, generator: g);
        var targets = tensor(new long[] { 2, 0, 1 });
        var options = new AttributionOptions { PatchSize = patch, PatchStride = stride, Baseline = 0.5, InternalBatchSize = 7 };
        var actual = new Occlusion(options).Attribute(model, x, targets);
        Assert.True(model.LargestBatch <= 7, $"a forward pass saw {model.LargestBatch} images; the bound is 7");

        var positions = Occlusion.Positions(size, patch, stride);
        Assert.Equal(new[] { 0, 3, 6, 7 }, positions); // the last aligned to the edge
        var w = model.Logits(eye(channels * size * size).reshape(-1, channels, size, size)) - model.Logits(zeros(1, channels, size, size));
        var xs = x.data<float>().ToArray();
        var ws = w.contiguous().data<float>().ToArray(); // [pixel index, class]
        var expected = new double[3, size, size];
        for (int b = 0; b < 3; b++)
        {
            int k = (int)targets[b].item<long>();
            var sum = new double[size, size];
            var count = new int[size, size];
            foreach (var y0 in positions)
                foreach (var x0 in positions)
                {
                    double drop = 0;
                    for (int c = 0; c < channels; c++)
                        for (int y = y0; y < y0 + patch; y++)
                            for (int xx = x0; xx < x0 + patch; xx++)
                            {
                                int pixel = (c * size + y) * size + xx;
                                drop += ws[pixel * 3 + k] * (xs[b * channels * size * size + pixel] - 0.5);
                            }
                    for (int y = y0; y < y0 + patch; y++)
                        for (int xx = x0; xx < x0 + patch; xx++) { sum[y, xx] += drop; count[y, xx]++; }
                }
            for (int y = 0; y < size; y++) for (int xx = 0; xx < size; xx++) expected[b, y, xx] = sum[y, xx] / count[y, xx];
        }
        var a = actual.data<float>().ToArray();
        int i = 0;
        foreach (var e in expected) { Assert.True(Math.Abs(a[i] - e) <= 1e-4 * Math.Max(1, Math.Abs(e)), $"pixel {i}: {a[i]} vs {e}"); i++; }
    }

    [Fact]
    public void OcclusionInOnnxRuntimeEqualsOcclusionInTorchSharp()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        using var forms = ExportForms.Build("teacher", TestNets.ResNet);
        var proto = OnnxExport.Build(forms.Model, forms.Extra, ExportForms.Info(forms.Model, "teacher"), new string('0', 64), "t.ckpt");
        File.WriteAllBytes(dir.File("m.onnx"), proto.ToByteArray());
        using var onnx = new OnnxClassifier(OnnxModelFile.Read(dir.File("m.onnx")));
        var x = TestNets.Inputs(2, seed: 3);
        var targets = tensor(new long[] { 1, 4 });
        var occlusion = new Occlusion(new AttributionOptions { PatchSize = 8, PatchStride = 4, InternalBatchSize = 16 });
        var torchMaps = occlusion.Attribute(new TorchClassifier(forms.Model), x, targets);
        var onnxMaps = occlusion.Attribute(onnx, x, targets);
        Assert.True((torchMaps - onnxMaps).abs().max().item<float>() <= 1e-4 * Math.Max(1, torchMaps.abs().max().item<float>()),
            $"max difference {(torchMaps - onnxMaps).abs().max().item<float>()}");
        Assert.True(torchMaps.abs().max().item<float>() > 0); // not a blank map
    }

    [Fact]
    public void RiseIsDeterministicForASeedAndTreatsSamplesIndependently()
    {
        using var scope = NewDisposeScope();
        var model = Linear(1, 16, 2, seed: 1);
        using var g = new Generator(2);
        var x = randn(new long[] { 3, 1, 16, 16 }, generator: g);
        var targets = tensor(new long[] { 0, 1, 1 });
        var options = new AttributionOptions { Masks = 40, CellSize = 4, KeepProbability = 0.5, Seed = 11, InternalBatchSize = 16 };
        var first = new Rise(options).Attribute(model, x, targets);
        var second = new Rise(options).Attribute(model, x, targets);
        TensorAssert.Same(first, second, "same seed");
        Assert.True(model.LargestBatch <= 16);
        // Every sample sees the same masks: one sample alone gives its row of the batch.
        var alone = new Rise(options with { InternalBatchSize = 5 }).Attribute(model, x[1..2], targets[1..2]);
        TensorAssert.Close(first[1..2], alone, rtol: 1e-5, atol: 1e-6, what: "sample 1 alone");
        // Masks are in [0,1] and keep about p of the pixels.
        var masks = Rise.Masks(new Random(0), 200, 16, 16, 4, 0.5);
        Assert.True(masks.min().item<float>() >= 0 && masks.max().item<float>() <= 1);
        Assert.InRange(masks.mean().item<float>(), 0.4, 0.6);
    }

    [Fact]
    public void EvaluateRunsOcclusionAndRiseOnAnOnnxModelAgainstACheckpointReference()
    {
        using var dir = new TempFolder();
        // A network with fashion-scenes' shape (1 channel, 10 classes, 32 px); classes are named as the data set's.
        var model = ModelFactory.Create(new ModelConfig(ArchSpec.Parse("vgg11-bn:w=1/16"), 1, 10, 32));
        model.eval();
        var names = Apc.Data.FashionMnist.ClassNames.ToArray();
        var info = new CheckpointInfo("teacher", model.Arch.ToString(), 1, 10, 32, names, new Apc.Data.Normalization(new[] { 0.1f }, new[] { 0.2f }),
            "fashion-scenes", new JsonObject(), new JsonObject());
        ModelCheckpoint.Save(dir.File("t.ckpt"), info, model);
        model.Dispose();
        var (code, error) = CliRunner.Run("export", "--model", dir.File("t.ckpt"), "--out", dir.File("t.onnx"));
        Assert.True(code == 0, error);
        var data = new[] { "--dataset", "fashion-scenes", "--train-size", "64", "--val-size", "8", "--image-size", "32", "--batch-size", "8" };
        (code, error) = CliRunner.Run(new[] { "evaluate", "--model", dir.File("t.onnx"), "--reference", dir.File("t.ckpt"), "--methods", "occlusion,rise",
            "--masks", "20", "--out", dir.File("eval") }.Concat(data).ToArray());
        Assert.True(code == 0, error);
        var json = JsonNode.Parse(File.ReadAllText(dir.File("eval/evaluation.json")))!;
        // The export and its checkpoint are the same function: predictions agree fully.
        Assert.Equal(1.0, json["prediction"]!["agreement"]!.GetValue<double>());
        foreach (var method in new[] { "occlusion", "rise" }) Assert.NotNull(json["attribution"]![method]);
        // Prediction only: no --methods on an ONNX model.
        (code, error) = CliRunner.Run(new[] { "evaluate", "--model", dir.File("t.onnx"), "--out", dir.File("eval2") }.Concat(data).ToArray());
        Assert.True(code == 0, error);
        Assert.NotNull(JsonNode.Parse(File.ReadAllText(dir.File("eval2/evaluation.json")))!["prediction"]!["map_per_class"]);
    }
}
