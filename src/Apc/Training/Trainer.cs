using Apc.Models;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Data;
using Apc.Evaluation;
using Apc.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Training;

/// <summary>The training loop shared by teachers and every compression method: SGD with momentum and a
/// step schedule, validation after each epoch, the best-on-validation model kept (per-class mAP), and a
/// resumable state saved after each completed epoch. Deterministic for a seed: the data order, the
/// augmentation and torch's random numbers (dropout) of epoch e are derived from (seed, e) only, so a
/// resumed run ends with the same weights as an uninterrupted one.</summary>
public static class Trainer
{
    /// <summary>Trains <paramref name="run"/>'s model, keeping the best epoch on validation (per-class mAP) in its checkpoint; resumes from the saved state when asked. A non-finite loss stops with a <see cref="TrainingDivergedException"/>.</summary>
    public static TrainingResult Fit(TrainingRun run)
    {
        var options = run.Options.Validated();
        var monitor = run.Monitor ?? NullTrainingMonitor.Instance;
        var model = run.Model;
        var device = DeviceParser.Parse(options.Device);
        TorchThreads.Apply(options.Threads);
        AtomicFile.EnsureWritableFolder(run.OutDir);
        var statePath = Path.Combine(run.OutDir, run.StateName);
        var bestPath = Path.Combine(run.OutDir, run.CheckpointName);
        var clock = Stopwatch.StartNew();

        model.to(device);
        using var optimizer = new SgdMomentum(model, options.LearningRate, options.Momentum, options.WeightDecay);
        var history = new List<EpochRecord>();
        int startEpoch = 1;
        double bestScore = double.NegativeInfinity;
        if (run.Resume && File.Exists(statePath))
        {
            (startEpoch, bestScore) = RestoreState(statePath, run, optimizer, history, device);
            monitor.Message($"resuming after epoch {startEpoch - 1} from {statePath}");
        }
        else if (run.Resume)
            monitor.Message($"--resume: no saved state in {run.OutDir} ({run.StateName} is written after each finished epoch); starting from epoch 1");
        if (run.Masks is not null) WeightMasks.Apply(model, run.Masks);

        for (int epoch = startEpoch; epoch <= options.Epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            double lr = options.LearningRateAt(epoch);
            optimizer.LearningRate = lr;
            torch.manual_seed(DerivedSeed(options.Seed, epoch));
            var (loss, parts) = TrainOneEpoch(run, optimizer, device, epoch, monitor, updatedBefore: epoch > startEpoch);

            var (logits, labels) = Inference.Predict(model, run.Data.Val, options.BatchSize, device);
            PredictionReport report;
            using (logits) using (labels) report = PredictionMetrics.Compute(logits, labels);
            bool best = !history.Any(h => h.Best) || report.MapPerClass > bestScore;
            var record = new EpochRecord(epoch, lr, loss, parts, report.MapPerClass, report.MapPerImage, report.F1,
                report.Accuracy, epochClock.Elapsed.TotalSeconds, best);
            history.Add(record);
            if (best)
            {
                bestScore = report.MapPerClass;
                SaveModel(bestPath, run, record);
            }
            SaveState(statePath, run, optimizer, epoch, bestScore, history);
            WriteMetrics(run, history, clock.Elapsed.TotalSeconds);
            monitor.EpochCompleted(record);
        }

        var bestRecord = history.Where(h => h.Best).LastOrDefault()
            ?? throw new ApcException($"training in '{run.OutDir}' has no completed epoch to report.");
        return new TrainingResult(bestRecord, history, bestPath, clock.Elapsed.TotalSeconds);
    }

    /// <summary>A seed per (run seed, epoch) so that epoch e's randomness does not depend on earlier epochs.</summary>
    /// <summary>What a non-finite loss means, naming its cause only where the evidence points to it: a non-finite
    /// distillation term beside a finite task loss comes from the frozen teacher's logits, and a non-finite loss before
    /// any weight update of this run comes from the networks as loaded; neither depends on --lr. Otherwise the updates
    /// diverged, and a lower --lr is the usual cure.</summary>
    public static string DivergenceMessage(double value, int epoch, int step, IReadOnlyDictionary<string, double> parts, bool updatedBefore, string outDir)
    {
        string F(double v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var bad = parts.Where(p => !double.IsFinite(p.Value)).Select(p => $"{p.Key} = {F(p.Value)}").ToList();
        string terms = bad.Count > 0 ? $" ({string.Join(", ", bad)})" : "";
        string where = $"loss became {F(value)}{terms} at epoch {epoch}, step {step}; training stopped and the last good checkpoint " +
                       $"(epoch {epoch - 1}) is kept in '{outDir}'.";
        bool teacherTerm = parts.TryGetValue("kd", out var kd) && !double.IsFinite(kd)
                           && parts.TryGetValue("bce", out var bce) && double.IsFinite(bce);
        if (teacherTerm)
            return $"{where} The teacher's logits are not finite on this batch (the distillation term is not finite, the task loss is); the teacher is frozen, so --lr is not the cause: check the teacher checkpoint.";
        if (!updatedBefore)
            return $"{where} This happened before any weight update, so --lr is not the cause: the network as loaded gives non-finite outputs on this data.";
        return $"{where} Try a lower --lr.";
    }

    /// <summary>The seed of epoch <paramref name="epoch"/> of a run seeded <paramref name="seed"/>.</summary>
    public static int DerivedSeed(int seed, int epoch) => unchecked(seed * 1_000_003 + epoch * 7919 + 17);

    static (double Loss, IReadOnlyDictionary<string, double> Parts) TrainOneEpoch(
        TrainingRun run, SgdMomentum optimizer, Device device, int epoch, ITrainingMonitor monitor, bool updatedBefore)
    {
        var model = run.Model;
        var options = run.Options;
        var train = run.Data.Train;
        model.train();
        var order = BatchLoader.EpochOrder(train.Count, options.Seed, epoch, shuffle: true);
        int steps = (order.Length + options.BatchSize - 1) / options.BatchSize;
        monitor.EpochStarted(epoch, options.Epochs, steps);
        double total = 0;
        int count = 0, step = 0;
        var partTotals = new Dictionary<string, double>();
        foreach (var batch in BatchLoader.Iterate(train, order, options.BatchSize, augment: true, options.Seed, epoch, withMasks: false))
        {
            using (batch)
            {
                step++;
                if (batch.Size < 2) continue; // batch norm cannot train on a single sample
                using var scope = NewDisposeScope();
                var parts = new Dictionary<string, double>();
                optimizer.ZeroGrad();
                var loss = run.Objective.Loss(model, batch.Images.to(device), batch.Labels.to(device), parts);
                double value = loss.item<float>();
                if (!double.IsFinite(value))
                    throw new TrainingDivergedException(DivergenceMessage(value, epoch, step, parts, updatedBefore, run.OutDir));
                loss.backward();
                optimizer.Step();
                updatedBefore = true;
                run.AfterStep?.Invoke(model);
                if (run.Masks is not null) WeightMasks.Apply(model, run.Masks);
                total += value * batch.Size;
                count += batch.Size;
                foreach (var (k, v) in parts) partTotals[k] = partTotals.GetValueOrDefault(k) + v * batch.Size;
                monitor.StepCompleted(step, value);
            }
        }
        return (count == 0 ? double.NaN : total / count, partTotals.ToDictionary(kv => kv.Key, kv => kv.Value / Math.Max(1, count)));
    }

    static void SaveModel(string path, TrainingRun run, EpochRecord record)
    {
        var metrics = record.Scores.AddTo(new JsonObject { ["epoch"] = record.Epoch });
        ModelCheckpoint.Save(path, run.Template with { Metrics = metrics }, run.Model, Extra(run));
    }

    /// <summary>What every checkpoint of the run carries besides the weights: the run's extra tensors and its masks.</summary>
    static Dictionary<string, Tensor> Extra(TrainingRun run)
    {
        var extra = new Dictionary<string, Tensor>(run.ExtraTensors?.Invoke() ?? new Dictionary<string, Tensor>());
        if (run.Masks is not null) foreach (var (key, value) in WeightMasks.ToExtra(run.Masks)) extra[key] = value;
        return extra;
    }

    static void SaveState(string path, TrainingRun run, SgdMomentum optimizer, int epoch, double bestScore, List<EpochRecord> history)
    {
        var extra = Extra(run);
        foreach (var (key, value) in optimizer.State()) extra[key] = value;
        var state = new JsonObject
        {
            ["completed_epoch"] = epoch,
            ["best_score"] = double.IsFinite(bestScore) ? bestScore : null,
            ["history"] = JsonSerializer.SerializeToNode(history, CheckpointFile.Json),
        };
        ModelCheckpoint.Save(path, run.Template with { Kind = "train-state", Metrics = state }, run.Model, extra);
    }

    static (int NextEpoch, double BestScore) RestoreState(string path, TrainingRun run, SgdMomentum optimizer,
        List<EpochRecord> history, Device device)
    {
        using var saved = ModelCheckpoint.Load(path);
        if (saved.Model.Arch != run.Model.Arch)
            throw new ApcException($"cannot resume from '{path}': it holds {saved.Model.Arch}, this run trains {run.Model.Arch}.");
        ModelCopy.CopyState(saved.Model, run.Model);
        optimizer.LoadState(saved.Extra);
        var state = saved.Info.Metrics;
        history.AddRange(state["history"].Deserialize<List<EpochRecord>>(CheckpointFile.Json) ?? new List<EpochRecord>());
        var best = state["best_score"]?.GetValue<double>() ?? double.NegativeInfinity;
        return (state["completed_epoch"]!.GetValue<int>() + 1, best);
    }

    static void WriteMetrics(TrainingRun run, List<EpochRecord> history, double seconds)
    {
        var best = history.Where(h => h.Best).Last();
        var json = new JsonObject
        {
            ["kind"] = run.Template.Kind,
            ["arch"] = run.Model.Arch.ToString(),
            ["dataset"] = run.Template.Dataset,
            ["best_epoch"] = best.Epoch,
            ["parameters"] = run.Model.ParameterCount(),
            ["nonzero_parameters"] = run.Model.parameters().Sum(p => p.count_nonzero().item<long>()),
            ["macs"] = run.Model.MultiplyAccumulates(),
            ["seconds"] = seconds,
            ["history"] = JsonSerializer.SerializeToNode(history, CheckpointFile.Json),
            ["provenance"] = run.Template.Provenance.DeepClone(),
        };
        best.Scores.AddTo(json);
        AtomicFile.WriteJson(Path.Combine(run.OutDir, "metrics.json"), json);
    }
}
