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
    /// <summary>torch.save writes a zip archive ("PK\x03\x04"); files from before PyTorch 1.6 are a bare pickle (0x80).
    /// Anything else is not a PyTorch file at all, which the unpickler would misreport as an old format.</summary>
    static void RequirePyTorchSignature(string path)
    {
        var head = new byte[4];
        int read;
        try { using var stream = File.OpenRead(path); read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new ApcException($"PyTorch file '{path}': cannot read ({e.Message})."); }
        bool zip = read == 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4;
        bool pickle = read >= 1 && head[0] == 0x80;
        if (!zip && !pickle)
            throw new ApcException($"PyTorch file '{path}': not a PyTorch file (torch.save writes a zip archive; this file is " +
                (read == 0 ? "empty" : $"something else, starting with bytes {Convert.ToHexString(head, 0, read)}") + ").");
    }

    /// <summary>The network of <paramref name="config"/> with the weights of the PyTorch state_dict at <paramref name="path"/> (torchvision key names, a "module." prefix removed). Missing weights or wrong shapes are an <see cref="ApcException"/>.</summary>
    public static ClassifierNet Load(string path, ModelConfig config)
    {
        Util.InputPath.RequireFile(path, "PyTorch file", "a state_dict saved with torch.save");
        RequirePyTorchSignature(path);
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
