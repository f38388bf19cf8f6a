using System.Collections;
using Apc.Models;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Apc.Checkpoints;

/// <summary>Reads a PyTorch state_dict (torch.save of model.state_dict(), via TorchSharp.PyBridge) into an apc
/// network. Key names are torchvision's (features.N.weight, classifier.1.weight, layer1.0.conv1.weight, fc.weight);
/// a "module." prefix (DataParallel) is stripped.</summary>
public static class PyTorchImport
{
    public static ClassifierNet Load(string path, ModelConfig config)
    {
        if (!File.Exists(path)) throw new ApcException($"PyTorch file '{path}': file not found.");
        Hashtable table;
        try { table = PyTorchUnpickler.UnpickleStateDict(path); }
        catch (Exception e) when (e is not ApcException)
        { throw new ApcException($"PyTorch file '{path}': not a readable state_dict ({e.Message})."); }
        var source = new Dictionary<string, Tensor>();
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is not string key || entry.Value is not Tensor value) continue;
            source[key.StartsWith("module.", StringComparison.Ordinal) ? key["module.".Length..] : key] = value;
        }
        var model = ModelFactory.Create(config);
        try
        {
            var target = model.state_dict();
            // num_batches_tracked is bookkeeping; older PyTorch files lack it.
            var missing = target.Keys.Where(k => !source.ContainsKey(k) && !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToList();
            if (missing.Count > 0)
                throw new ApcException($"PyTorch file '{path}': {missing.Count} weights of {config.Arch} are missing (first: {missing[0]}); check --arch.");
            using (no_grad())
                foreach (var (key, dest) in target)
                {
                    if (!source.TryGetValue(key, out var value)) continue;
                    if (!dest.shape.SequenceEqual(value.shape))
                        throw new ApcException($"PyTorch file '{path}': '{key}' has shape [{string.Join(',', value.shape)}] but {config.Arch} " +
                            $"with {config.NumClasses} classes at {config.ImageSize} px needs [{string.Join(',', dest.shape)}].");
                    dest.copy_(value.to(dest.dtype));
                }
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in source.Values) t.Dispose();
        }
    }
}
