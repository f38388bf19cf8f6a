using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Training;

/// <summary>Stochastic gradient descent with momentum and L2 weight decay: TorchSharp's <c>optim.SGD</c> (dampening 0,
/// no Nesterov; the update of PyTorch's SGD, g = ∇p + wd·p; b = m·b + g, b = g at the first step; p −= lr·b), with its
/// momentum buffers stored in apc's checkpoints under the parameters' names ("optimizer/&lt;parameter&gt;"), so that
/// --resume ends with the same weights as an uninterrupted run (TrainerTests) and train-state.ckpt files written by
/// the earlier hand-written optimizer resume unchanged. The buffers are read and set through
/// <c>optim.SGD.state_dict()</c>, whose entries are the optimizer's live per-parameter states, in parameter order.</summary>
public sealed class SgdMomentum : IDisposable
{
    readonly (string Name, TorchSharp.Modules.Parameter Param)[] parameters;
    readonly TorchSharp.Modules.SGD sgd;

    /// <summary>SGD over <paramref name="model"/>'s parameters that require grad.</summary>
    public SgdMomentum(nn.Module model, double learningRate, double momentum, double weightDecay)
    {
        parameters = model.named_parameters().Where(p => p.parameter.requires_grad).ToArray();
        sgd = optim.SGD(parameters.Select(p => p.Param), learningRate, momentum, dampening: 0, weight_decay: weightDecay);
        Momentum = momentum; WeightDecay = weightDecay;
    }

    /// <summary>The learning rate of the next step.</summary>
    public double LearningRate
    {
        get => sgd.ParamGroups.First().LearningRate;
        set { foreach (var group in sgd.ParamGroups) group.LearningRate = value; }
    }

    /// <summary>The momentum m.</summary>
    public double Momentum { get; }

    /// <summary>The L2 weight decay wd.</summary>
    public double WeightDecay { get; }

    /// <summary>Zeroes the parameters' gradients in place (a parameter without a gradient is skipped by the next step).</summary>
    public void ZeroGrad()
    {
        foreach (var (_, p) in parameters) p.grad?.zero_();
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        using var _ = no_grad();
        sgd.step();
    }

    TorchSharp.Modules.SGD.State[] States() => sgd.state_dict().State.Cast<TorchSharp.Modules.SGD.State>().ToArray();

    /// <summary>The momentum buffers, named "optimizer/&lt;parameter&gt;" (owned by the optimizer; parameters that have
    /// not been updated yet have none).</summary>
    public Dictionary<string, Tensor> State()
    {
        var states = States();
        return parameters.Select((p, i) => (p.Name, Buffer: states[i].momentum_buffer))
            .Where(s => s.Buffer is not null)
            .ToDictionary(s => "optimizer/" + s.Name, s => s.Buffer);
    }

    /// <summary>Restores the buffers saved by <see cref="State"/> (copies, in each parameter's dtype and on its device).</summary>
    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        var states = States();
        for (int i = 0; i < parameters.Length; i++)
            if (state.TryGetValue("optimizer/" + parameters[i].Name, out var saved))
            {
                var p = parameters[i].Param;
                states[i].momentum_buffer?.Dispose();
                states[i].momentum_buffer = saved.to(p.dtype).to(p.device).clone().DetachFromDisposeScope();
            }
    }

    /// <summary>Releases the momentum buffers.</summary>
    public void Dispose() => sgd.Dispose();
}
