using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Compression.Pruning;

/// <summary>Carries out a <see cref="PruningPlan"/>: builds the physically smaller network from the pruned
/// architecture spec and copies every weight, sliced along the channels the plan removes. For each planned group:
/// the conv's filters (weight rows and bias), its batch norm's scale, shift and running statistics, and the
/// consumer's input channels (a conv's weight[:, c]) or column blocks (a linear layer's columns
/// c·H·W … c·H·W+H·W−1, channel-major as flatten lays them out). Everything else is copied unchanged.
/// The result computes exactly what the original computes with the removed filters' weights, biases and
/// batch-norm scale and shift set to zero (in eval mode).</summary>
public static class ChannelSurgery
{
    /// <summary>Returns a new network (owned by the caller) on the source's device, in the source's train/eval mode.
    /// The source is not modified.</summary>
    public static ClassifierNet Apply(ClassifierNet model, PruningPlan plan)
    {
        if (plan.Source != model.Arch)
            throw new ArgumentException($"the plan was made for {plan.Source}, not {model.Arch}.", nameof(plan));
        var groups = PruningDependencies.Groups(model).ToDictionary(g => g.Conv);
        var outputs = new Dictionary<string, long[]>(); // module name -> kept indices along dim 0
        var inputs = new Dictionary<string, long[]>();  // module name -> kept indices along dim 1
        foreach (var layer in plan.Layers)
        {
            if (!groups.TryGetValue(layer.Group.Conv, out var group) || group != layer.Group)
                throw new ArgumentException($"the plan's group {layer.Group.Conv} does not match {model.Arch}.", nameof(plan));
            var kept = layer.Kept;
            if (kept.Count < 1 || kept.Zip(kept.Skip(1)).Any(p => p.First >= p.Second) || kept[0] < 0 || kept[^1] >= group.Channels)
                throw new ArgumentException($"the plan's kept filters of {group.Conv} must be increasing indices in [0, {group.Channels}).", nameof(plan));
            var indices = kept.Select(i => (long)i).ToArray();
            outputs[group.Conv] = indices;
            if (group.BatchNorm is not null) outputs[group.BatchNorm] = indices;
            int block = group.Consumer.BlockSize;
            inputs[group.Consumer.Layer] = indices.SelectMany(c => Enumerable.Range(0, block).Select(o => c * block + o)).ToArray();
        }

        var device = model.parameters().First().device;
        var pruned = ModelFactory.Create(model.Config with { Arch = plan.PrunedArch() });
        try
        {
            pruned.to(device);
            var source = model.state_dict();
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            foreach (var (key, target) in pruned.state_dict())
            {
                var dot = key.LastIndexOf('.');
                var module = key[..dot];
                var value = source[key];
                // Scalars (num_batches_tracked) and everything outside a group are copied as they are.
                if (value.dim() >= 1 && outputs.TryGetValue(module, out var rows))
                    value = value.index_select(0, tensor(rows, device: device));
                if (value.dim() >= 2 && inputs.TryGetValue(module, out var columns))
                    value = value.index_select(1, tensor(columns, device: device));
                if (!value.shape.SequenceEqual(target.shape))
                    throw new InvalidOperationException(
                        $"surgery of {model.Arch}: {key} sliced to [{string.Join(',', value.shape)}] but the pruned network has [{string.Join(',', target.shape)}].");
                target.copy_(value);
            }
            pruned.train(model.training);
            return pruned;
        }
        catch
        {
            pruned.Dispose();
            throw;
        }
    }
}
