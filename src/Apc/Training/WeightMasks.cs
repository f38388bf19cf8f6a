using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Training;

/// <summary>Pruning masks as a guarantee that outlives the stage that made them: boolean tensors shaped like their
/// parameters (true = kept), keyed by parameter name (features.0.weight), stored in checkpoints as
/// "mask/&lt;parameter&gt;". <see cref="Trainer"/> zeroes the masked weights after every optimizer step of every run
/// that carries them (<see cref="TrainingRun.Masks"/>) and writes them into every checkpoint it saves, so every stage
/// after unstructured pruning keeps its zeros.</summary>
public static class WeightMasks
{
    /// <summary>The name prefix of mask tensors in checkpoints.</summary>
    public const string Prefix = "mask/";

    /// <summary>Zeroes the masked weights in place.</summary>
    public static void Apply(ClassifierNet model, IReadOnlyDictionary<string, Tensor> masks)
    {
        if (masks.Count == 0) return;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var named = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, mask) in masks)
        {
            if (!named.TryGetValue(name, out var p))
                throw new ApcException($"mask for '{name}' has no parameter in {model.Arch}.");
            if (!mask.shape.SequenceEqual(p.shape))
                throw new ApcException($"mask for '{name}' has shape [{string.Join(',', mask.shape)}]; the parameter is [{string.Join(',', p.shape)}].");
            p.mul_(mask.device == p.device ? mask : mask.to(p.device));
        }
    }

    /// <summary>The masks in a checkpoint's extra tensors ("mask/..."), keyed by parameter name; shared, not copied.</summary>
    public static Dictionary<string, Tensor> FromExtra(IReadOnlyDictionary<string, Tensor> extra) =>
        extra.Where(kv => kv.Key.StartsWith(Prefix, StringComparison.Ordinal))
             .ToDictionary(kv => kv.Key[Prefix.Length..], kv => kv.Value);

    /// <summary>The masks named for a checkpoint's extra tensors ("mask/&lt;parameter&gt;"); shared, not copied.</summary>
    public static Dictionary<string, Tensor> ToExtra(IReadOnlyDictionary<string, Tensor> masks) =>
        masks.ToDictionary(kv => Prefix + kv.Key, kv => kv.Value);

    /// <summary>Copies of the masks as checkpoint entries, owned by the caller (for a stage's result, which outlives
    /// the masks it was given).</summary>
    public static Dictionary<string, Tensor> CopiesForExtra(IReadOnlyDictionary<string, Tensor>? masks) =>
        (masks ?? new Dictionary<string, Tensor>()).ToDictionary(kv => Prefix + kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());
}
