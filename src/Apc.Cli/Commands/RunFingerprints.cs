using System.Text.Json.Nodes;
using Apc.Data;
using Apc.Util;

namespace Apc.Cli.Commands;

/// <summary>The fingerprints of the verbs that write an output folder (train, compress, evaluate): everything that
/// determines the result. Input checkpoints enter by content (SHA-256), the data by <see cref="DataIdentity"/>.
/// Left out on purpose: the output path itself and --resume/--force/--verbose. The thread count is part of the runs that
/// train (<see cref="Threads"/>): it changes only the order of floating-point sums, but over hundreds of SGD steps that
/// gives other weights. An evaluation leaves it out: its numbers agree to rounding whatever the count.</summary>
public static class RunFingerprints
{
    /// <summary>--resume and --force together are a usage error; otherwise what the user asked for.</summary>
    public static FolderReuse Reuse(bool resume, bool force) => (resume, force) switch
    {
        (true, true) => throw new UsageException("--resume and --force contradict each other: --resume continues the run in --out, --force replaces it."),
        (true, false) => FolderReuse.Resume,
        (false, true) => FolderReuse.Replace,
        _ => FolderReuse.Refuse,
    };

    public static JsonObject Data(DataOptions options, DataSplits data, int batchSize, string device) =>
        new() { ["data"] = DataIdentity.Of(options, data), ["batch_size"] = batchSize, ["device"] = device };

    /// <summary>The data of an evaluation, which reads one split: that split's name and size, not the other splits'
    /// sizes (a fashion-scenes scene depends only on seed, split and index; a VOC image list on the split), so that, e.g.,
    /// another --train-size does not make an equal evaluation look different.</summary>
    public static JsonObject EvaluatedData(DataOptions options, DataSplits data, Apc.Data.IDataset split, int batchSize, string device)
    {
        var part = Data(options, data, batchSize, device);
        var identity = (JsonObject)part["data"]!;
        identity.Remove("train_size");
        identity.Remove("val_size");
        identity["evaluated"] = split.Name;
        identity["evaluated_size"] = split.Count;
        return part;
    }

    /// <summary>A checkpoint named by its content, for a fingerprint.</summary>
    public static string Checkpoint(string path) => "sha256:" + FileChecksum.Sha256(path);

    /// <summary>Adds the training options that change the result (not the device and thread count, which
    /// <see cref="Data"/> records or which are left out).</summary>
    public static JsonObject Training(Apc.Training.TrainingOptions o) => new()
    {
        ["epochs"] = o.Epochs, ["batch_size"] = o.BatchSize, ["lr"] = o.LearningRate, ["momentum"] = o.Momentum,
        ["weight_decay"] = o.WeightDecay, ["lr_steps"] = string.Join(",", o.EffectiveLrSteps), ["lr_gamma"] = o.LrGamma, ["seed"] = o.Seed,
    };

    /// <summary>The intra-op thread count a training run computes with (<see cref="TorchThreads.Effective"/>: --threads,
    /// or torch's default for 0), so that a resume or a cached stage with another count is recognised as other work.
    /// Fingerprints written before apc recorded it lack the key and are taken as made with this count
    /// (<see cref="RunFingerprint.AddedLater"/>).</summary>
    public static JsonObject Threads(int requested) => new() { ["threads"] = TorchThreads.Effective(requested) };

    public static RunFingerprint Merge(string verb, params JsonObject[] parts)
    {
        var all = new JsonObject { ["verb"] = verb };
        foreach (var part in parts)
            foreach (var (key, value) in part) all[key] = value?.DeepClone();
        return RunFingerprint.Of(all);
    }
}
