using System.Diagnostics;
using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Data;
using Apc.Evaluation;
using Apc.Models;
using Apc.Training;
using Apc.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Compression.Quantization;

/// <summary>The quantize stage (method "quantize"; quantization is not in the reference, method.md §3): weights on a
/// symmetric per-output-channel grid of <see cref="QuantizationOptions.Bits"/> bits, ReLU and pool outputs on
/// per-tensor affine grids of <see cref="QuantizationOptions.ActivationBits"/> bits (see
/// <see cref="WeightQuantizer"/> and <see cref="ActivationQuantization"/>).</summary>
/// <remarks>
/// Always first post-training quantization: weights moved to their grid, activation ranges observed on
/// <see cref="QuantizationOptions.CalibrationImages"/> training images in evaluation mode. Without
/// <see cref="QuantizationOptions.Qat"/> that is the result. With it, the calibrated network is fine-tuned with the
/// compression objective (BCE + the matcher's β·L_AM against the frozen teacher): float master weights, every
/// forward on fake-quantized weights and activations, straight-through gradients (<see cref="MasterWeights"/>),
/// activation ranges following the batches (exponential moving average); the model best on validation is kept
/// with the ranges it was validated with, the post-training-quantized start (epoch 0, ptq-start.ckpt) included. The checkpoint (kind "quantize") holds the quantized float weights, the
/// integer weights and scales and the activation grids; <see cref="QuantizedModel.Attach(ModelCheckpoint)"/>
/// re-installs the activation grids after loading.
/// </remarks>
public sealed class QuantizationStage : ICompressionStage
{
    /// <summary>The method name.</summary>
    public const string Kind = "quantize";

    /// <summary>A stage with the checked <paramref name="options"/> (defaults when null).</summary>
    public QuantizationStage(QuantizationOptions? options = null)
    {
        Options = (options ?? new QuantizationOptions()).Validated();
    }

    /// <summary>The checked options.</summary>
    public QuantizationOptions Options { get; }

    /// <summary>Logit distillation from the teacher during quantization-aware fine-tuning: the objective becomes
    /// (1−α)·BCE + α·KD (+ β·L_AM), with α and T from these options (their Student is not used); null (the default) =
    /// no KD term. With no matcher this is the "any teacher signal" control for attribution matching. Requires
    /// <see cref="QuantizationOptions.Qat"/>: post-training quantization does not train.</summary>
    public DistillationOptions? Distillation { get; init; }

    /// <summary>The post-training-quantized starting point of QAT (its epoch-0 candidate), in the stage's folder.</summary>
    const string StartName = "ptq-start.ckpt";
    /// <inheritdoc/>
    public string Method => Kind;

    /// <inheritdoc/>
    public StageResult Run(StageContext context)
    {
        var training = context.Training.Validated();
        if (Distillation is not null && !Options.Qat)
            throw new UsageException("logit distillation (--finetune-kd) needs quantization-aware fine-tuning; drop --no-qat or --finetune-kd.");
        var device = DeviceParser.Parse(training.Device);
        TorchThreads.Apply(training.Threads);
        AtomicFile.EnsureWritableFolder(context.OutDir);
        var clock = Stopwatch.StartNew();
        var model = ModelCopy.Clone(context.Input);
        try
        {
            model.to(device);
            var result = Options.Qat ? RunQat(context, model, training, device, clock) : RunPtq(context, model, training, device, clock);
            return result;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    StageResult RunPtq(StageContext context, ClassifierNet model, TrainingOptions training, Device device, Stopwatch clock)
    {
        // Rounding keeps a zero weight at level 0; applying the masks first makes that a guarantee, not an assumption.
        if (context.Masks is not null) WeightMasks.Apply(model, context.Masks);
        var extra = QuantizedModel.QuantizeWeights(model, Options.Bits);
        foreach (var (key, value) in WeightMasks.CopiesForExtra(context.Masks)) extra[key] = value;
        var activations = ActivationQuantization.Calibrate(model, Options.ActivationBits, Options.RangeMomentum);
        int calibrated = Calibrate(model, context.Data.Train, training.BatchSize, device);
        activations.Freeze();
        foreach (var (key, value) in activations.ToTensors()) extra[key] = value;
        var report = Evaluate(model, context.Data.Val, training.BatchSize, device);
        context.Monitor?.Message($"post-training quantization: val mAP {report.MapPerClass:P1} (calibrated on {Plural.Of(calibrated, "image")})");

        var compression = Describe(model, calibrated, ptq: null);
        var metrics = MetricsJson(report, epoch: 0);
        var path = Path.Combine(context.OutDir, "model.ckpt");
        var info = context.Template with { Kind = Kind, Metrics = metrics, Compression = compression };
        SaveWithSize(path, info, model, extra);

        var summary = new JsonObject
        {
            ["kind"] = Kind,
            ["arch"] = model.Arch.ToString(),
            ["dataset"] = context.Template.Dataset,
            ["parameters"] = model.ParameterCount(),
            ["seconds"] = clock.Elapsed.TotalSeconds,
            ["compression"] = compression.DeepClone(),
            ["provenance"] = context.Template.Provenance.DeepClone(),
        };
        report.Scores.AddTo(summary);
        AtomicFile.WriteJson(Path.Combine(context.OutDir, "metrics.json"), summary);
        return new StageResult(model, extra, compression, null, path);
    }

    StageResult RunQat(StageContext context, ClassifierNet model, TrainingOptions training, Device device, Stopwatch clock)
    {
        var statePath = Path.Combine(context.OutDir, "train-state.ckpt");
        using var masters = new MasterWeights(model, Options.Bits, context.Masks);
        var activations = ActivationQuantization.Calibrate(model, Options.ActivationBits, Options.RangeMomentum);
        JsonObject compression;
        if (context.Resume && File.Exists(statePath))
        {
            // The trainer restores the parameters and the optimizer; the masters and ranges are ours to restore.
            using var state = ModelCheckpoint.Load(statePath);
            masters.LoadState(state.Extra, $"checkpoint '{statePath}'");
            activations.LoadRanges(state.Extra, $"checkpoint '{statePath}'");
            compression = state.Info.Compression?.DeepClone().AsObject()
                ?? throw new ApcException($"checkpoint '{statePath}' is not the state of a quantize run; remove it or drop --resume.");
        }
        else
        {
            int calibrated = Calibrate(model, context.Data.Train, training.BatchSize, device);
            // Quantize from here on (in evaluation mode the ranges stay as calibrated): the starting point is scored
            // exactly as post-training quantization alone would be.
            activations.Track();
            var report = Evaluate(model, context.Data.Val, training.BatchSize, device);
            context.Monitor?.Message($"post-training quantization: val mAP {report.MapPerClass:P1} (calibrated on {Plural.Of(calibrated, "image")}); " +
                "fine-tuning on the quantized network");
            compression = Describe(model, calibrated, MetricsJson(report, epoch: 0));
            // The starting point is a candidate too: QAT keeps it when no epoch beats it on validation.
            using var start = NewDisposeScope();
            var startExtra = masters.QuantizedTensors();
            foreach (var (k, v) in activations.ToTensors()) startExtra[k] = v;
            foreach (var (k, v) in WeightMasks.CopiesForExtra(context.Masks)) startExtra[k] = v;
            ModelCheckpoint.Save(Path.Combine(context.OutDir, StartName),
                context.Template with { Kind = Kind, Metrics = MetricsJson(report, epoch: 0), Compression = compression }, model, startExtra);
        }
        activations.Track();

        var snapshot = new List<Tensor>();
        IReadOnlyDictionary<string, Tensor> Extra()
        {
            // The trainer writes these into each checkpoint and does not keep them: free the previous set.
            foreach (var t in snapshot) t.Dispose();
            snapshot.Clear();
            var owned = masters.QuantizedTensors();
            foreach (var (k, v) in activations.ToTensors()) owned[k] = v;
            foreach (var (k, v) in activations.RangeTensors()) owned[k] = v;
            snapshot.AddRange(owned.Values);
            var all = new Dictionary<string, Tensor>(owned);
            foreach (var (k, v) in masters.StateTensors()) all[k] = v;
            return all;
        }

        TrainingResult fit;
        try
        {
            var run = new TrainingRun(model, context.Data, new CompressionObjective(context.Teacher, context.Matcher, Distillation), training,
                context.OutDir, context.Template with { Kind = Kind, Compression = compression }, context.Resume, context.Monitor,
                AfterStep: _ => masters.AfterStep(), ExtraTensors: Extra, Masks: context.Masks);
            fit = Trainer.Fit(run);
        }
        finally
        {
            foreach (var t in snapshot) t.Dispose();
        }

        // The trainer's best checkpoint also carries the training state (masters, ranges): keep only the model, its
        // quantization and its masks. When post-training quantization alone scored higher on validation than every
        // QAT epoch, the starting point is the result (metrics.json says so: best_epoch 0).
        activations.Remove();
        var startPath = Path.Combine(context.OutDir, StartName);
        double startMap = compression["ptq"]?["map_per_class"]?.GetValue<double>() ?? double.NegativeInfinity;
        bool keepStart = File.Exists(startPath) && startMap > fit.Best.MapPerClass;
        if (keepStart)
            context.Monitor?.Message($"post-training quantization (val mAP {startMap:P1}) beat every QAT epoch (best {fit.Best.MapPerClass:P1}): keeping it");
        Dictionary<string, Tensor> extra;
        CheckpointInfo info;
        using (var best = ModelCheckpoint.Load(keepStart ? startPath : fit.CheckpointPath))
        {
            ModelCopy.CopyState(best.Model, model);
            extra = best.Extra.Where(kv => kv.Key.StartsWith(QuantizedModel.Prefix, StringComparison.Ordinal)
                                        || kv.Key.StartsWith(WeightMasks.Prefix, StringComparison.Ordinal))
                              .ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());
            info = best.Info with { Compression = compression };
        }
        QuantizedModel.Attach(model, extra, $"checkpoint '{fit.CheckpointPath}'");
        SaveWithSize(fit.CheckpointPath, info, model, extra);

        var metricsPath = Path.Combine(context.OutDir, "metrics.json");
        if (File.Exists(metricsPath) && JsonNode.Parse(File.ReadAllText(metricsPath)) is JsonObject summary)
        {
            summary["compression"] = compression.DeepClone();
            if (keepStart && compression["ptq"] is JsonObject start)
            {
                summary["best_epoch"] = 0;
                foreach (var key in new[] { "map_per_class", "map_per_image", "f1", "accuracy" }) summary[key] = start[key]?.DeepClone();
                summary["kept"] = "post-training quantization (epoch 0): no QAT epoch scored higher on validation";
            }
            AtomicFile.WriteJson(metricsPath, summary);
        }
        return new StageResult(model, extra, compression, fit, fit.CheckpointPath);
    }

    /// <summary>Observes the activation ranges on a seeded random subset of the training images (no augmentation,
    /// evaluation mode); returns the number of images used.</summary>
    int Calibrate(ClassifierNet model, IDataset train, int batchSize, Device device)
    {
        if (train.Count == 0) throw new ApcException($"cannot calibrate quantization: training split {train.Name} is empty.");
        var order = BatchLoader.EpochOrder(train.Count, Options.Seed, epoch: 0, shuffle: true)
            .Take(Math.Min(Options.CalibrationImages, train.Count)).ToArray();
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            foreach (var batch in BatchLoader.Iterate(train, order, batchSize, augment: false, Options.Seed, epoch: 0))
                using (batch)
                using (NewDisposeScope())
                    model.call(batch.Images.to(device));
        }
        finally
        {
            model.train(wasTraining);
        }
        return order.Length;
    }

    static PredictionReport Evaluate(ClassifierNet model, IDataset val, int batchSize, Device device)
    {
        var (logits, labels) = Inference.Predict(model, val, batchSize, device);
        using (logits) using (labels) return PredictionMetrics.Compute(logits, labels);
    }

    static JsonObject MetricsJson(PredictionReport report, int epoch) => report.Scores.AddTo(new JsonObject { ["epoch"] = epoch });

    /// <summary>The checkpoint's Compression facts.</summary>
    JsonObject Describe(ClassifierNet model, int calibrated, JsonObject? ptq)
    {
        var size = QuantizedModel.Size(model, Options.Bits, Options.ActivationBits);
        var json = new JsonObject
        {
            ["method"] = Kind,
            ["scheme"] = "weights: symmetric per-output-channel; activations: affine per-tensor at ReLU and pool outputs",
            ["bits"] = Options.Bits,
            ["activation_bits"] = Options.ActivationBits,
            ["calibrated_on"] = calibrated,
            ["qat"] = Options.Qat,
            ["quantized_weights"] = size.QuantizedWeights,
            ["activation_points"] = ActivationQuantization.PointsOf(model).Count,
            ["int8_size_bytes"] = size.Int8Bytes,
            ["packed_size_bytes"] = size.PackedBytes,
            ["float_size_bytes"] = size.FloatBytes,
            ["compression_ratio"] = size.CompressionRatio,
            ["weight_tensors"] = "quant/<param>.int8, quant/<param>.scale",
            ["activation_tensors"] = "quant/act/<node>.scale, quant/act/<node>.zero_point, quant/activation_bits",
        };
        if (Options.Qat) json["range_momentum"] = Options.RangeMomentum;
        if (ptq is not null) json["ptq"] = ptq;
        return json;
    }

    /// <summary>Saves the checkpoint with, in its Compression facts, the bytes of the integer weights, scales and grids
    /// as stored (quant_tensor_bytes) and its own file size (size_bytes: written until the number in the header agrees
    /// with the file it is in; the header grows by at most a digit).</summary>
    static void SaveWithSize(string path, CheckpointInfo info, ClassifierNet model, IReadOnlyDictionary<string, Tensor> extra)
    {
        var compression = info.Compression ?? new JsonObject();
        compression["quant_tensor_bytes"] = extra.Where(kv => kv.Key.StartsWith(QuantizedModel.Prefix, StringComparison.Ordinal))
                                                 .Sum(kv => kv.Value.numel() * kv.Value.ElementSize);
        long size = 0;
        for (int attempt = 0; attempt < 4; attempt++)
        {
            compression["size_bytes"] = size;
            ModelCheckpoint.Save(path, info with { Compression = compression }, model, extra);
            long written = new FileInfo(path).Length;
            if (written == size) return;
            size = written;
        }
        throw new InvalidOperationException($"checkpoint '{path}': its size did not settle.");
    }
}
