using System.Diagnostics;
using System.Text.Json.Nodes;
using Apc.Data;
using Apc.Evaluation;
using Apc.Matching;
using Apc.Models;
using Apc.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Compression;

/// <summary>Measurements that compare a compressed network with its teacher: size, cost, latency, validation
/// quality, top-1 agreement and how far its attribution maps are from the teacher's.</summary>
public static class CompressionReport
{
    /// <summary>Images in the latency batch, untimed warm-up forwards and timed forwards (the median is reported).</summary>
    public const int LatencyImages = 64, LatencyWarmup = 2, LatencyRepeats = 7;

    /// <summary>The first (up to) <see cref="LatencyImages"/> validation images as one batch on <paramref name="device"/>;
    /// teacher and compressed network are timed on this same batch.</summary>
    public static Tensor LatencyBatch(IDataset val, Device device)
    {
        var indices = Enumerable.Range(0, Math.Min(LatencyImages, val.Count)).ToArray();
        using var batch = val.GetBatch(indices, augment: false);
        return batch.Images.to(device).DetachFromDisposeScope();
    }

    /// <summary>Median wall time, in milliseconds, of <paramref name="repeats"/> eval-mode forwards of
    /// <paramref name="images"/> by each network, after <paramref name="warmup"/> untimed ones each. The networks take
    /// turns (a, b, a, b, ...), so that a change in the machine's load affects both alike.</summary>
    public static double[] MedianLatencyMs(IReadOnlyList<ClassifierNet> models, Tensor images, int warmup = LatencyWarmup, int repeats = LatencyRepeats)
    {
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats));
        var wasTraining = models.Select(m => m.training).ToArray();
        foreach (var m in models) m.eval();
        try
        {
            using var _ = no_grad();
            var times = models.Select(_ => new double[repeats]).ToArray();
            for (int i = 0; i < warmup + repeats; i++)
                for (int m = 0; m < models.Count; m++)
                {
                    using var scope = NewDisposeScope();
                    var clock = Stopwatch.StartNew();
                    models[m].call(images).cpu(); // cpu() waits for an asynchronous device
                    if (i >= warmup) times[m][i - warmup] = clock.Elapsed.TotalMilliseconds;
                }
            return times.Select(Median).ToArray();
        }
        finally
        {
            for (int m = 0; m < models.Count; m++) models[m].train(wasTraining[m]);
        }
    }

    static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /// <summary>Measures <paramref name="model"/> stored at <paramref name="checkpointPath"/>; its validation logits
    /// and labels are given, with the teacher's logits for the agreement, and its latency.</summary>
    public static ModelMeasurement Measure(ClassifierNet model, string checkpointPath, Tensor logits, Tensor labels,
        Tensor? teacherLogits, double latencyMs)
    {
        long nonzero;
        using (no_grad()) nonzero = model.parameters().Sum(p => p.count_nonzero().item<long>());
        return new ModelMeasurement(
            model.Arch.ToString(),
            model.ParameterCount(),
            nonzero,
            model.MultiplyAccumulates(),
            File.Exists(checkpointPath) ? new FileInfo(checkpointPath).Length : 0,
            PredictionMetrics.Compute(logits, labels, teacherLogits ?? logits),
            latencyMs);
    }

    /// <summary>Mean L_AM between the teacher's and the model's weighted collapsed maps (method.md §2: top-1 class,
    /// each network's default matching layer, β = 1) over <paramref name="data"/>: 0 when the maps agree
    /// everywhere, 2/(H·W) when they never overlap. Null when the maps differ in size (e.g. a ResNet student of a VGG
    /// teacher) and cannot be compared.</summary>
    public static double? AttributionDistance(ClassifierNet teacher, ClassifierNet model, IDataset data, int batchSize, Device device)
    {
        var matcher = new WcamMatcher(new MatcherOptions(MatchingKind.Wcam, Weight: 1));
        try { matcher.Check(teacher, model); }
        catch (UsageException) { return null; }
        var wasTraining = model.training;
        model.eval();
        try
        {
            double sum = 0;
            long pairs = 0;
            var order = Enumerable.Range(0, data.Count).ToArray();
            foreach (var batch in BatchLoader.Iterate(data, order, batchSize, augment: false, seed: 0, epoch: 0))
            {
                using (batch)
                using (var scope = NewDisposeScope())
                {
                    var maps = matcher.Maps(teacher, model, batch.Images.to(device)).Single();
                    long count = maps.Teacher.shape[0];
                    sum += CollapsedMaps.Distance(maps.Teacher, maps.Student).ToDouble() * count;
                    pairs += count;
                }
            }
            return pairs == 0 ? null : sum / pairs;
        }
        finally { model.train(wasTraining); }
    }

    /// <summary>teacher / compressed for each size measure (how many times smaller).</summary>
    public static JsonObject Ratios(ModelMeasurement teacher, ModelMeasurement model)
    {
        static JsonNode? Ratio(long t, long m) => m > 0 ? JsonValue.Create((double)t / m) : null;
        return new JsonObject
        {
            ["parameters"] = Ratio(teacher.Parameters, model.Parameters),
            ["nonzero_parameters"] = Ratio(teacher.NonzeroParameters, model.NonzeroParameters),
            ["macs"] = Ratio(teacher.Macs, model.Macs),
            ["size"] = Ratio(teacher.SizeBytes, model.SizeBytes),
            ["latency"] = model.LatencyMs > 0 ? JsonValue.Create(teacher.LatencyMs / model.LatencyMs) : null,
        };
    }
}
