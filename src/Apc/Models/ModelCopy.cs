using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Models;

/// <summary>The one way apc copies networks: a whole new network, or one network's state into another of the same
/// architecture. Stages never change their input; they work on a <see cref="Clone"/>.</summary>
public static class ModelCopy
{
    /// <summary>A new network with <paramref name="model"/>'s configuration, parameters and buffers (batch-norm
    /// statistics), on its device and in its dtype and train/eval mode, every parameter requiring grad. The copy
    /// shares no storage with the original; the caller owns (disposes) it.</summary>
    public static ClassifierNet Clone(ClassifierNet model)
    {
        var copy = ModelFactory.Create(model.Config);
        var first = model.parameters().First();
        copy.to(first.dtype).to(first.device);
        CopyState(model, copy);
        foreach (var p in copy.parameters()) p.requires_grad_(true);
        copy.train(model.training);
        return copy;
    }

    /// <summary>Copies every state-dict entry (parameters and buffers) of <paramref name="source"/> into
    /// <paramref name="target"/> in place, without a graph; dtype and device of the target are kept. Throws
    /// <see cref="InvalidOperationException"/> when the two state dicts do not have the same keys and shapes
    /// (different architectures).</summary>
    public static void CopyState(ClassifierNet source, ClassifierNet target)
    {
        using var _ = no_grad();
        var to = target.state_dict();
        var from = source.state_dict();
        if (from.Count != to.Count || from.Any(kv => !to.TryGetValue(kv.Key, out var t) || !t.shape.SequenceEqual(kv.Value.shape)))
            throw new InvalidOperationException($"cannot copy the state of {source.Arch} into {target.Arch}: the networks differ.");
        foreach (var (key, value) in from) to[key].copy_(value);
    }
}
