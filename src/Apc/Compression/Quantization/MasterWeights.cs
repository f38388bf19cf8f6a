using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Compression.Quantization;

/// <summary>Float master copies of the quantized weights for quantization-aware training, with the
/// straight-through estimator for weights.</summary>
/// <remarks>
/// The network's parameters always hold fq(master), the master's nearest grid values, so every forward pass,
/// validation and checkpoint sees the quantized network. After the optimizer has stepped the parameters
/// (from gradients taken at the quantized weights), <see cref="AfterStep"/> moves the master by the same update
/// and writes fq(master) back: master += p_after − fq(master); p = fq(master). This is the straight-through
/// estimator ∂L/∂master := ∂L/∂fq(master), with the optimizer (momentum, weight decay on the quantized weight)
/// unchanged. Small updates accumulate in the master even while they are too small to move a weight to the next
/// level, which is what makes training on a grid work.
/// Pruning masks, when given, hold in the masters too: a masked master is zeroed before every write, so the weight is
/// exactly 0 on the grid (0 is a level of the symmetric grid), its integer level is 0, and no update can regrow it.
/// </remarks>
public sealed class MasterWeights : IDisposable
{
    const string Prefix = "qat/master/";
    readonly ClassifierNet model;
    readonly Dictionary<string, Tensor> masters = new();
    readonly IReadOnlyDictionary<string, Tensor> masks;

    /// <summary>Copies the current (float) weights of <paramref name="model"/> as masters and puts the parameters on the
    /// grid. <paramref name="masks"/> (parameter name → bool, true = kept; not owned) keep pruned weights at 0.</summary>
    public MasterWeights(ClassifierNet model, int bits, IReadOnlyDictionary<string, Tensor>? masks = null)
    {
        this.model = model;
        Bits = bits;
        this.masks = masks ?? new Dictionary<string, Tensor>();
        WeightQuantizer.MaxLevel(bits);
        foreach (var (name, param) in Parameters())
            masters[name] = param.detach().clone().DetachFromDisposeScope();
        WriteQuantized();
    }

    /// <summary>Weight bits (2..8).</summary>
    public int Bits { get; }

    /// <summary>Call after every optimizer step (the trainer's AfterStep hook).</summary>
    public void AfterStep()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, param) in Parameters())
        {
            var master = Master(name, param);
            using var before = WeightQuantizer.FakeQuantize(master, Bits);
            master.add_(param.detach() - before);
        }
        WriteQuantized();
    }

    /// <summary>Checkpoint tensors "quant/&lt;param&gt;.int8" and "quant/&lt;param&gt;.scale" of the current
    /// masters; the parameters hold exactly levels·scale.</summary>
    public Dictionary<string, Tensor> QuantizedTensors()
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, master) in masters)
        {
            var (levels, scales) = WeightQuantizer.Quantize(master, Bits);
            tensors[QuantizedModel.LevelsKey(name)] = levels;
            tensors[QuantizedModel.ScalesKey(name)] = scales;
        }
        return tensors;
    }

    /// <summary>The masters, for resuming training ("qat/master/&lt;param&gt;"). Live tensors: do not dispose.</summary>
    public Dictionary<string, Tensor> StateTensors() => masters.ToDictionary(e => Prefix + e.Key, e => e.Value);

    /// <summary>Restores the masters saved by <see cref="StateTensors"/> and puts the parameters on their grid.</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        using var _ = no_grad();
        foreach (var (name, master) in masters)
        {
            if (!tensors.TryGetValue(Prefix + name, out var saved) || !saved.shape.SequenceEqual(master.shape))
                throw new ApcException($"{source}: no saved master weights for '{name}'; cannot resume quantization-aware training.");
            master.copy_(saved);
        }
        WriteQuantized();
    }

    void WriteQuantized()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var (name, param) in Parameters())
        {
            var master = Master(name, param);
            if (masks.TryGetValue(name, out var mask)) master.mul_(mask.device == master.device ? mask : mask.to(master.device));
            param.copy_(WeightQuantizer.FakeQuantize(master, Bits));
        }
    }

    // Looked up on every use: moving the model to another device replaces its parameter objects.
    IEnumerable<(string Name, TorchSharp.Modules.Parameter Param)> Parameters()
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        return WeightQuantizer.QuantizedParameters(model).Select(name => (name, parameters[name]));
    }

    Tensor Master(string name, Tensor param)
    {
        var master = masters[name];
        if (master.device_type != param.device_type || master.device_index != param.device_index)
        {
            masters[name] = master.to(param.device).DetachFromDisposeScope();
            master.Dispose();
        }
        return masters[name];
    }

    /// <summary>Releases the tensors (or taps) this object holds; safe to call twice.</summary>
    public void Dispose()
    {
        foreach (var master in masters.Values) master.Dispose();
        masters.Clear();
    }
}
