using Apc.Checkpoints;
using Apc.Compression;
using Apc.Matching;
using Apc.Training;
using Apc.Compression.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Compression.Quantization;

public class QuantizationStageTests
{
    [Fact]
    public void PostTrainingQuantizationStaysCloseToTheFloatModelAndReloadsBitIdentically()
    {
        var data = QuantTestSetup.Data();
        using var teacher = QuantTestSetup.NewModelWithStatistics(data);
        using var images = QuantTestSetup.ValImages(data);
        using var floatLogits = QuantTestSetup.Logits(teacher, images);
        using var teacherBefore = teacher.state_dict()["features.0.weight"].clone();
        using var dir = new TempFolder();

        var stage = new QuantizationStage(new QuantizationOptions(Qat: false, CalibrationImages: 48));
        var result = stage.Run(QuantTestSetup.Context(teacher, data, dir.Path));
        using var model = result.Model;
        Assert.Null(result.Training);
        TensorAssert.Same(teacherBefore, teacher.state_dict()["features.0.weight"], "the stage's input is not modified");

        using var quantLogits = QuantTestSetup.Logits(model, images);
        var relative = ((quantLogits - floatLogits).norm() / floatLogits.norm()).item<float>();
        Assert.True(relative < 0.05, $"8-bit logits differ from float logits by {relative:P2}");
        Assert.False(quantLogits.equal(floatLogits).all().item<bool>(), "quantization changed nothing");

        using var loaded = ModelCheckpoint.Load(result.CheckpointPath);
        Assert.Equal("quantize", loaded.Info.Kind);
        using (var withoutActivations = QuantTestSetup.Logits(loaded.Model, images))
            Assert.False(withoutActivations.equal(quantLogits).all().item<bool>(), "activation quantization should matter");
        Assert.True(QuantizedModel.Attach(loaded));
        using var reloaded = QuantTestSetup.Logits(loaded.Model, images);
        TensorAssert.Same(quantLogits, reloaded, "logits after save, load and attach");
    }

    [Fact]
    public void CheckpointStoresIntegerWeightsScalesGridsAndDescribesItself()
    {
        var data = QuantTestSetup.Data();
        using var teacher = QuantTestSetup.NewModelWithStatistics(data);
        using var dir = new TempFolder();
        var result = new QuantizationStage(new QuantizationOptions(Bits: 4, Qat: false, CalibrationImages: 20)).Run(
            QuantTestSetup.Context(teacher, data, dir.Path));
        using var model = result.Model;
        using var loaded = ModelCheckpoint.Load(result.CheckpointPath);
        var weights = loaded.Model.state_dict();
        foreach (var name in WeightQuantizer.QuantizedParameters(loaded.Model))
        {
            var levels = loaded.Extra[$"quant/{name}.int8"];
            var scales = loaded.Extra[$"quant/{name}.scale"];
            Assert.Equal(ScalarType.Int8, levels.dtype);
            Assert.True(levels.abs().max().item<sbyte>() <= 7, "4-bit levels lie in -7..7");
            using var values = WeightQuantizer.Dequantize(levels, scales);
            TensorAssert.Same(values, weights[name], $"{name} holds levels·scale");
        }
        foreach (var point in ActivationQuantization.PointsOf(loaded.Model))
        {
            Assert.True(loaded.Extra.ContainsKey($"quant/act/{point}.scale"), point);
            Assert.Equal(0, loaded.Extra[$"quant/act/{point}.zero_point"].item<int>()); // every point follows a ReLU
        }
        Assert.DoesNotContain(loaded.Extra.Keys, k => k.StartsWith("qat/", StringComparison.Ordinal));

        var compression = loaded.Info.Compression!;
        Assert.Equal(4, compression["bits"]!.GetValue<int>());
        Assert.Equal(20, compression["calibrated_on"]!.GetValue<int>());
        Assert.False(compression["qat"]!.GetValue<bool>());
        Assert.False(string.IsNullOrEmpty(compression["scheme"]!.GetValue<string>()));
        Assert.Equal(new FileInfo(result.CheckpointPath).Length, compression["size_bytes"]!.GetValue<long>());
        var size = QuantizedModel.Size(loaded.Model, 4, 8);
        Assert.Equal(size.Int8Bytes, compression["int8_size_bytes"]!.GetValue<long>());
        var stored = loaded.Extra.Where(kv => kv.Key.StartsWith("quant/", StringComparison.Ordinal)).Sum(kv => kv.Value.numel() * kv.Value.ElementSize);
        Assert.Equal(stored, compression["quant_tensor_bytes"]!.GetValue<long>());
        Assert.True(File.Exists(Path.Combine(dir.Path, "metrics.json")));
    }

    [Fact]
    public void QuantizationAwareTrainingEndsWithWeightsOnTheGridAndReloadsBitIdentically()
    {
        var data = QuantTestSetup.Data();
        using var teacher = QuantTestSetup.NewModelWithStatistics(data);
        using var images = QuantTestSetup.ValImages(data);
        using var dir = new TempFolder();
        const int bits = 4;
        var result = new QuantizationStage(new QuantizationOptions(Bits: bits, CalibrationImages: 32)).Run(
            QuantTestSetup.Context(teacher, data, dir.Path, epochs: 1));
        using var model = result.Model;
        Assert.NotNull(result.Training);
        Assert.Single(result.Training!.History);

        var parameters = model.state_dict();
        foreach (var name in WeightQuantizer.QuantizedParameters(model))
        {
            var w = parameters[name];
            using var grid = WeightQuantizer.FakeQuantize(w, bits);
            TensorAssert.Same(grid, w, $"{name} on the {bits}-bit grid");
            for (long c = 0; c < w.shape[0]; c++)
            {
                using var channel = w[c];
                var (distinct, _, _) = channel.unique();
                using (distinct) Assert.InRange(distinct.numel(), 1, (1 << bits) - 1);
            }
        }

        using var logits = QuantTestSetup.Logits(model, images);
        using var loaded = ModelCheckpoint.Load(result.CheckpointPath);
        Assert.DoesNotContain(loaded.Extra.Keys, k => k.StartsWith("qat/", StringComparison.Ordinal));
        Assert.True(loaded.Info.Compression!["qat"]!.GetValue<bool>());

        // Training starts from exactly the post-training-quantized network.
        using var ptqDir = new TempFolder();
        var ptq = new QuantizationStage(new QuantizationOptions(Bits: bits, Qat: false, CalibrationImages: 32)).Run(
            QuantTestSetup.Context(teacher, data, ptqDir.Path));
        using (ptq.Model)
        using (var ptqCheckpoint = ModelCheckpoint.Load(ptq.CheckpointPath))
            Assert.Equal(ptqCheckpoint.Info.Metrics["map_per_class"]!.GetValue<double>(),
                loaded.Info.Compression["ptq"]!["map_per_class"]!.GetValue<double>());
        Assert.True(QuantizedModel.Attach(loaded));
        using var reloaded = QuantTestSetup.Logits(loaded.Model, images);
        TensorAssert.Same(logits, reloaded, "logits after save, load and attach");
    }

    [Fact]
    public void QuantizationAwareTrainingWithLogitDistillationAddsTheKdTermWithWeightAlpha()
    {
        var data = QuantTestSetup.Data();
        using var teacher = QuantTestSetup.NewModelWithStatistics(data);
        using var dir = new TempFolder();
        var distillation = new DistillationOptions("the network being fine-tuned", Alpha: 0.3, Temperature: 4);
        var result = new QuantizationStage(new QuantizationOptions(Bits: 4, CalibrationImages: 32)) { Distillation = distillation }
            .Run(QuantTestSetup.Context(teacher, data, dir.Path, epochs: 1));
        result.Model.Dispose();
        var epoch = Assert.Single(result.Training!.History);
        Assert.True(epoch.LossParts.ContainsKey("kd") && epoch.LossParts["kd"] > 0, string.Join(", ", epoch.LossParts.Keys));
        // (1−α)·BCE + α·KD batch by batch, so also in the epoch's means.
        var expected = 0.7 * epoch.LossParts["bce"] + 0.3 * epoch.LossParts["kd"];
        Assert.True(Math.Abs(epoch.TrainLoss - expected) <= 1e-5 * Math.Abs(expected), $"{epoch.TrainLoss} vs {expected}");

        // Post-training quantization does not train, so it has nothing to distil into: refused, not ignored.
        using var ptqDir = new TempFolder();
        var error = Assert.Throws<UsageException>(() => new QuantizationStage(new QuantizationOptions(Bits: 4, Qat: false)) { Distillation = distillation }
            .Run(QuantTestSetup.Context(teacher, data, ptqDir.Path)));
        Assert.Contains("--finetune-kd", error.Message);
    }

    [Fact]
    public void QuantizationAwareTrainingKeepsThePostTrainingQuantizedStartWhenNoEpochBeatsIt()
    {
        var data = QuantTestSetup.Data();
        // A teacher that has learnt the tiny task (bright cells per class), so that wrecking it shows in mAP.
        using var teacherDir = new TempFolder();
        using var teacher = QuantTestSetup.NewModel();
        var fit = Trainer.Fit(new TrainingRun(teacher, data, new MultiLabelLoss(),
            new TrainingOptions(Epochs: 6, BatchSize: 16, LearningRate: 0.05, Seed: 1), teacherDir.Path, QuantTestSetup.Template()));
        using (var best = ModelCheckpoint.Load(fit.CheckpointPath)) Apc.Models.ModelCopy.CopyState(best.Model, teacher);
        teacher.eval();
        Assert.True(fit.Best.MapPerClass > 0.9, $"the teacher did not learn the task (val mAP {fit.Best.MapPerClass:P1})");

        // QAT at a rate that ruins the network in its one epoch: the post-training-quantized start must be the result.
        using var dir = new TempFolder();
        var ruinous = new StageContext(teacher, teacher, data, NoMatching.Instance,
            new TrainingOptions(Epochs: 1, BatchSize: 16, LearningRate: 5, Seed: 5), dir.Path, QuantTestSetup.Template());
        var qat = new QuantizationStage(new QuantizationOptions(Bits: 8, CalibrationImages: 32)).Run(ruinous);
        using var model = qat.Model;
        var epochMap = Assert.Single(qat.Training!.History).MapPerClass;
        var metrics = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "metrics.json")))!;
        using var loaded = ModelCheckpoint.Load(qat.CheckpointPath);
        var startMap = loaded.Info.Compression!["ptq"]!["map_per_class"]!.GetValue<double>();
        Assert.True(startMap > epochMap, $"the rate did not ruin the network (start {startMap:P1}, epoch 1 {epochMap:P1})");
        Assert.Equal(0, metrics["best_epoch"]!.GetValue<int>());
        Assert.Equal(startMap, metrics["map_per_class"]!.GetValue<double>());
        Assert.Equal(startMap, loaded.Info.Metrics["map_per_class"]!.GetValue<double>());

        // The kept network is post-training quantization's: the same logits as a PTQ-only run, after reloading.
        using var ptqDir = new TempFolder();
        var ptq = new QuantizationStage(new QuantizationOptions(Bits: 8, Qat: false, CalibrationImages: 32)).Run(
            QuantTestSetup.Context(teacher, data, ptqDir.Path));
        using var ptqModel = ptq.Model;
        using var images = QuantTestSetup.ValImages(data);
        Assert.True(QuantizedModel.Attach(loaded));
        using var kept = QuantTestSetup.Logits(loaded.Model, images);
        using var expected = QuantTestSetup.Logits(ptqModel, images);
        TensorAssert.Same(expected, kept, "the kept start's logits against post-training quantization alone");
    }

    [Fact]
    public void ResumedQuantizationAwareTrainingEndsWithTheSameModel()
    {
        var data = TinyDataset.Splits(train: 32, val: 16);
        var options = new QuantizationOptions(Bits: 6, CalibrationImages: 32);
        using var straightDir = new TempFolder();
        using var interruptedDir = new TempFolder();

        using var teacherA = QuantTestSetup.NewModelWithStatistics(data);
        using var straight = new QuantizationStage(options).Run(QuantTestSetup.Context(teacherA, data, straightDir.Path, epochs: 2)).Model;

        using (var teacherB = QuantTestSetup.NewModelWithStatistics(data))
            new QuantizationStage(options).Run(QuantTestSetup.Context(teacherB, data, interruptedDir.Path, epochs: 1)).Model.Dispose();
        using var teacherC = QuantTestSetup.NewModelWithStatistics(data); // a fresh process: the state comes from disk
        var resumed = new QuantizationStage(options).Run(QuantTestSetup.Context(teacherC, data, interruptedDir.Path, epochs: 2, resume: true));
        using var model = resumed.Model;

        Assert.Equal(new[] { 1, 2 }, resumed.Training!.History.Select(h => h.Epoch));
        foreach (var (key, value) in straight.state_dict())
            TensorAssert.Same(value, model.state_dict()[key], key);
        using var images = QuantTestSetup.ValImages(data);
        using var expected = QuantTestSetup.Logits(straight, images);
        using var actual = QuantTestSetup.Logits(model, images);
        TensorAssert.Same(expected, actual, "logits (weights and activation grids)");
    }

    [Fact]
    public void AttachIsANoOpForACheckpointWithoutQuantization()
    {
        using var model = QuantTestSetup.NewModel();
        using var dir = new TempFolder();
        var path = dir.File("float.ckpt");
        ModelCheckpoint.Save(path, QuantTestSetup.Template(), model);
        using var loaded = ModelCheckpoint.Load(path);
        Assert.False(QuantizedModel.Attach(loaded));
        Assert.Null(loaded.Model.ActivationTap);
    }

    [Fact]
    public void AttachRejectsQuantizationTensorsThatDoNotFitTheModel()
    {
        using var model = QuantTestSetup.NewModel();
        using var levels = zeros(new long[] { 3, 3 }, dtype: int8);
        using var scales = ones(3);
        var extra = new Dictionary<string, Tensor> { ["quant/features.0.weight.int8"] = levels, ["quant/features.0.weight.scale"] = scales };
        var error = Assert.Throws<ApcException>(() => QuantizedModel.Attach(model, extra, "checkpoint 'x.ckpt'"));
        Assert.Contains("x.ckpt", error.Message);
        Assert.Contains("features.0.weight", error.Message);
    }

    [Theory]
    [InlineData(1, 256, "--bits")]
    [InlineData(8, 0, "--calibration-images")]
    public void InvalidOptionsAreUsageErrors(int bits, int calibrate, string option)
    {
        var error = Assert.Throws<UsageException>(() => new QuantizationStage(new QuantizationOptions(Bits: bits, CalibrationImages: calibrate)));
        Assert.Contains(option, error.Message);
    }

    [Fact]
    public void SizeEstimateCountsOneBytePerWeightPlusScalesAndFloatRest()
    {
        using var model = QuantTestSetup.NewModel();
        var quantized = WeightQuantizer.QuantizedParameters(model).ToHashSet();
        long weights = 0, channels = 0, otherFloats = 0;
        foreach (var (name, value) in model.state_dict())
        {
            if (quantized.Contains(name)) { weights += value.numel(); channels += value.shape[0]; }
            else if (value.dtype == ScalarType.Float32) otherFloats += value.numel();
        }
        int points = ActivationQuantization.PointsOf(model).Count;
        var size = QuantizedModel.Size(model, bits: 8, activationBits: 8);
        Assert.Equal(weights, size.QuantizedWeights);
        Assert.Equal(weights + 4 * channels + 4 * otherFloats + 5 * points, size.Int8Bytes);
        Assert.Equal(4 * (weights + otherFloats), size.FloatBytes);
        var packed = QuantizedModel.Size(model, bits: 4, activationBits: 8);
        Assert.True(packed.PackedBytes < packed.Int8Bytes);
    }
}
