using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Training;

/// <summary>Stochastic gradient descent with momentum and L2 weight decay, with the same update as PyTorch's
/// SGD (dampening 0, no Nesterov): g = ∇p + wd·p; b = m·b + g (b = g at the first step); p -= lr·b.
/// We keep our own because its state (the momentum buffers) must round-trip exactly through a checkpoint
/// for --resume to end with the same weights as an uninterrupted run.</summary>
public sealed class SgdMomentum : IDisposable
{
    readonly (string Name, TorchSharp.Modules.Parameter Param)[] parameters;
    readonly Dictionary<string, Tensor> buffers = new();

    /// <summary>SGD over <paramref name="model"/>'s parameters that require grad.</summary>
    public SgdMomentum(nn.Module model, double learningRate, double momentum, double weightDecay)
    {
        parameters = model.named_parameters().Where(p => p.parameter.requires_grad).ToArray();
        LearningRate = learningRate; Momentum = momentum; WeightDecay = weightDecay;
    }

    /// <summary>The learning rate of the next step.</summary>
    public double LearningRate { get; set; }
    /// <summary>The momentum m.</summary>
    public double Momentum { get; }
    /// <summary>The L2 weight decay wd.</summary>
    public double WeightDecay { get; }

    /// <summary>Zeroes the parameters' gradients.</summary>
    public void ZeroGrad()
    {
        foreach (var (_, p) in parameters) p.grad?.zero_();
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        using var _ = no_grad();
        foreach (var (name, p) in parameters)
        {
            var grad = p.grad;
            if (grad is null) continue;
            using var g = WeightDecay != 0 ? grad.add(p, alpha: WeightDecay) : grad.clone();
            if (Momentum != 0)
            {
                if (buffers.TryGetValue(name, out var buffer)) buffer.mul_(Momentum).add_(g);
                else buffers[name] = buffer = g.clone().DetachFromDisposeScope();
                p.add_(buffer, alpha: -LearningRate);
            }
            else
            {
                p.add_(g, alpha: -LearningRate);
            }
        }
    }

    /// <summary>The momentum buffers, named "optimizer/&lt;parameter&gt;".</summary>
    public Dictionary<string, Tensor> State() => buffers.ToDictionary(kv => "optimizer/" + kv.Key, kv => kv.Value);

    /// <summary>Restores the buffers saved by <see cref="State"/>.</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        foreach (var (name, p) in parameters)
            if (state.TryGetValue("optimizer/" + name, out var saved))
            {
                if (buffers.Remove(name, out var old)) old.Dispose();
                buffers[name] = saved.to(p.dtype).to(p.device).clone().DetachFromDisposeScope();
            }
    }

    /// <summary>Releases the tensors (or taps) this object holds; safe to call twice.</summary>
    public void Dispose()
    {
        foreach (var b in buffers.Values) b.Dispose();
        buffers.Clear();
    }
}
