using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Evaluation;
using Apc.Models;
using Apc.Training;
using Apc.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Compression.KernelQuantization;

/// <summary>Kernel quantization (method "kernel-quantize"; Yu, Shi, Huang, Yu: "Kernel Quantization for Efficient Network
/// Compression", arXiv:2003.05148, 2020; docs/compression.md). The conv kernel, not the weight, is the unit: per conv,
/// seeded k-means over its k×k kernels gives a codebook of 2^b kernels and a b-bit index per kernel; the codebook's values
/// are put on a 6-bit grid (<see cref="KernelQuantizationOptions.CodebookBits"/>). Fine-tuning with BCE + β·L_AM against
/// the teacher (every matcher, through <see cref="CompressionObjective"/>) then moves the codebooks with straight-through
/// steps while the assignments stay fixed (<see cref="KernelCodebooks"/>). The result is an ordinary dense network whose
/// quantized conv weights are exactly codebook[index]; OUT/model.ckpt (kind "kernel-quantize") also stores the codebooks,
/// scales and indices ("kq/..."), and its Compression facts give the bits per conv parameter.</summary>
public sealed class KernelQuantizationStage : ICompressionStage
{
    /// <summary>The method name.</summary>
    public const string Kind = "kernel-quantize";

    /// <summary>A stage with the checked <paramref name="options"/> (defaults when null).</summary>
    public KernelQuantizationStage(KernelQuantizationOptions? options = null)
    {
        Options = (options ?? new KernelQuantizationOptions()).Validated();
    }

    /// <summary>The checked options.</summary>
    public KernelQuantizationOptions Options { get; }
    /// <inheritdoc/>
    public string Method => Kind;

    /// <inheritdoc/>
    public StageResult Run(StageContext context)
    {
        var training = context.Training.Validated();
        if (context.Masks is { Count: > 0 })
            throw new ApcException("kernel quantization of a network that carries unstructured pruning masks is not supported " +
                "(codebook kernels would not keep the pruned zeros).");
        if (Options.Layers(context.Input).Count == 0)
            throw new UsageException($"kernel quantization: {context.Input.Arch} has no conv with k×k > 1 left to quantize (see --layer-index-bits).");
        var device = DeviceParser.Parse(training.Device);
        TorchThreads.Apply(training.Threads);
        AtomicFile.EnsureWritableFolder(context.OutDir);
        var model = ModelCopy.Clone(context.Input);
        try
        {
            model.to(device);
            using var codebooks = new KernelCodebooks(model, Options);
            var compression = codebooks.Describe();
            var (logits, labels) = Inference.Predict(model, context.Data.Val, training.BatchSize, device);
            PredictionReport clustered;
            using (logits) using (labels) clustered = PredictionMetrics.Compute(logits, labels);
            compression["kmeans"] = clustered.Scores.AddTo(new JsonObject());
            context.Monitor?.Message($"kernel quantization: {Plural.Of(codebooks.Layers.Count, "conv")}, {Options.IndexBits}-bit indices into " +
                $"{1 << Options.IndexBits} kernels, {Options.CodebookBits}-bit codebooks: " +
                $"{compression["bits_per_conv_parameter"]!.GetValue<double>():0.###} bits per conv weight; val mAP {clustered.MapPerClass:P1} before fine-tuning");

            var statePath = Path.Combine(context.OutDir, "train-state.ckpt");
            if (context.Resume && File.Exists(statePath))
            {
                // The trainer restores the weights and the optimizer; the codebooks are ours to restore.
                using var state = ModelCheckpoint.Load(statePath);
                codebooks.LoadState(state.Extra, $"checkpoint '{statePath}'");
            }

            var snapshot = new List<Tensor>();
            IReadOnlyDictionary<string, Tensor> Extra()
            {
                // The trainer writes these into each checkpoint and keeps none of them: free the previous set.
                foreach (var t in snapshot) t.Dispose();
                snapshot.Clear();
                var owned = codebooks.QuantizedTensors();
                snapshot.AddRange(owned.Values);
                var all = new Dictionary<string, Tensor>(owned);
                foreach (var (k, v) in codebooks.StateTensors()) all[k] = v;
                return all;
            }

            TrainingResult fit;
            try
            {
                var run = new TrainingRun(model, context.Data, new CompressionObjective(context.Teacher, context.Matcher), training,
                    context.OutDir, context.Template with { Kind = Kind, Compression = compression }, context.Resume, context.Monitor,
                    AfterStep: _ => codebooks.AfterStep(), ExtraTensors: Extra);
                fit = Trainer.Fit(run);
            }
            finally
            {
                foreach (var t in snapshot) t.Dispose();
            }

            // The best checkpoint also carries the training state (the float masters): keep the model and its codebooks.
            Dictionary<string, Tensor> extra;
            CheckpointInfo info;
            using (var best = ModelCheckpoint.Load(fit.CheckpointPath))
            {
                ModelCopy.CopyState(best.Model, model);
                extra = best.Extra.Where(kv => KernelCodebooks.IsStored(kv.Key))
                                  .ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());
                info = best.Info with { Compression = compression };
            }
            CheckWeights(model, extra, fit.CheckpointPath);
            ModelCheckpoint.Save(fit.CheckpointPath, info, model, extra);

            var metricsPath = Path.Combine(context.OutDir, "metrics.json");
            if (File.Exists(metricsPath) && JsonNode.Parse(File.ReadAllText(metricsPath)) is JsonObject summary)
            {
                summary["compression"] = compression.DeepClone();
                AtomicFile.WriteJson(metricsPath, summary);
            }
            return new StageResult(model, extra, compression, fit, fit.CheckpointPath);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The stored codebooks must describe the weights exactly (they were written from the same state).</summary>
    static void CheckWeights(ClassifierNet model, IReadOnlyDictionary<string, Tensor> extra, string source)
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var rebuilt = KernelCodebooks.Rebuild(extra);
        try
        {
            foreach (var (name, weight) in rebuilt)
                using (var actual = parameters[name].detach().cpu())
                    if (!actual.equal(weight).all().item<bool>())
                        throw new InvalidOperationException($"checkpoint '{source}': weight '{name}' is not its codebook[index].");
        }
        finally
        {
            foreach (var w in rebuilt.Values) w.Dispose();
        }
    }
}
