using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Checkpoints;

/// <summary>A network loaded from a checkpoint, with what the file said about it and any extra tensors
/// (pruning masks under "mask/", quantization parameters under "quant/"). Owns the model and tensors.</summary>
public sealed class ModelCheckpoint : IDisposable
{
    const string WeightPrefix = "model/";

    ModelCheckpoint(string path, CheckpointInfo info, ClassifierNet model, Dictionary<string, Tensor> extra)
    {
        Path = path; Info = info; Model = model; Extra = extra;
    }

    /// <summary>The file it was read from or written to.</summary>
    public string Path { get; }
    /// <summary>Everything the checkpoint says about the network.</summary>
    public CheckpointInfo Info { get; }
    /// <summary>The network, with the checkpoint's weights, in eval mode.</summary>
    public ClassifierNet Model { get; }
    /// <summary>The tensors beside the weights (masks "mask/...", quantization "quant/...", training state), by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Extra { get; }

    /// <summary>Writes the model's weights (and buffers such as batch-norm statistics) with its description, atomically.</summary>
    public static void Save(string path, CheckpointInfo info, ClassifierNet model, IReadOnlyDictionary<string, Tensor>? extra = null)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (key, value) in model.state_dict()) tensors[WeightPrefix + key] = value;
        if (extra is not null)
            foreach (var (key, value) in extra)
            {
                if (key.StartsWith(WeightPrefix, StringComparison.Ordinal))
                    throw new ArgumentException($"extra tensor name '{key}' uses the reserved prefix '{WeightPrefix}'.");
                tensors[key] = value;
            }
        CheckpointFile.Write(path, info with { Arch = model.Arch.ToString() }, tensors);
    }

    /// <summary>Reads the checkpoint at <paramref name="path"/> and builds its network on <paramref name="device"/> (CPU by default); an unreadable file or weights that do not fit the architecture are an <see cref="ApcException"/>.</summary>
    public static ModelCheckpoint Load(string path, Device? device = null, string what = "checkpoint")
    {
        var (info, tensors) = CheckpointFile.Read(path, what);
        ClassifierNet? model = null;
        try
        {
            // The header was validated on reading; what the model factory still refuses (an architecture that does not
            // fit image_size) is the file's fault, not a command-line option's: exit 1, naming the file.
            try { model = ModelFactory.Create(info.ModelConfig); }
            catch (UsageException e) { throw new ApcException($"{what} '{path}': header describes no buildable model ({e.Message.TrimEnd('.')})."); }
            var weights = tensors.Where(kv => kv.Key.StartsWith(WeightPrefix, StringComparison.Ordinal))
                                 .ToDictionary(kv => kv.Key[WeightPrefix.Length..], kv => kv.Value);
            var expected = model.state_dict();
            var missing = expected.Keys.Except(weights.Keys).ToList();
            var unexpected = weights.Keys.Except(expected.Keys).ToList();
            var wrongShape = expected.Keys.Intersect(weights.Keys)
                .Where(k => !expected[k].shape.SequenceEqual(weights[k].shape)).ToList();
            var wrongType = expected.Keys.Intersect(weights.Keys)
                .Where(k => expected[k].is_floating_point() != weights[k].is_floating_point()).ToList();
            if (wrongType.Count > 0)
                throw new ApcException($"{what} '{path}': weight '{wrongType[0]}' is stored as {weights[wrongType[0]].dtype} " +
                    $"but the model needs {expected[wrongType[0]].dtype}.");
            if (missing.Count + unexpected.Count + wrongShape.Count > 0)
                throw new ApcException($"{what} '{path}': weights do not match architecture {info.Arch} " +
                    $"(missing {missing.Count}, unexpected {unexpected.Count}, wrong shape {wrongShape.Count}; first: " +
                    $"{missing.Concat(unexpected).Concat(wrongShape).First()}).");
            using (no_grad())
                foreach (var (key, target) in expected)
                    target.copy_(weights[key].to(target.dtype));
            foreach (var key in weights.Keys) tensors.Remove(WeightPrefix + key);
            foreach (var w in weights.Values) w.Dispose();
            if (device is not null)
            {
                model.to(device);
                foreach (var key in tensors.Keys.ToList()) tensors[key] = tensors[key].to(device);
            }
            model.eval();
            return new ModelCheckpoint(path, info, model, tensors);
        }
        catch
        {
            model?.Dispose();
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>Releases the tensors (or taps) this object holds; safe to call twice.</summary>
    public void Dispose()
    {
        Model.Dispose();
        foreach (var t in Extra.Values) t.Dispose();
    }
}
