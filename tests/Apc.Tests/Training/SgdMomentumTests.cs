using Apc.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Training;

/// <summary>The optimizer (TorchSharp's SGD behind apc's checkpoint names) performs exactly the update of the former
/// hand-written one, g = ∇p + wd·p; b = m·b + g (b = g first); p −= lr·b, and its buffers round-trip exactly.</summary>
public class SgdMomentumTests
{
    static nn.Module<Tensor, Tensor> Net(int seed)
    {
        manual_seed(seed);
        return nn.Sequential(("0", nn.Linear(5, 4)), ("1", nn.ReLU()), ("2", nn.Linear(4, 2)));
    }

    static Tensor Loss(nn.Module<Tensor, Tensor> net, int step)
    {
        manual_seed(100 + step);
        return net.call(randn(8, 5)).pow(2).mean();
    }

    [Fact]
    public void StepsEqualTheHandFormulaBitForBitAndTheStateRoundTrips()
    {
        const double lr = 0.05, m = 0.9, wd = 1e-3;
        using var net = Net(1);
        using var hand = Net(1);
        using var optimizer = new SgdMomentum(net, lr, m, wd);
        var buffers = new Dictionary<string, Tensor>();
        for (int step = 0; step < 4; step++)
        {
            if (step == 2) optimizer.LearningRate = lr / 10;
            double rate = step >= 2 ? lr / 10 : lr;
            optimizer.ZeroGrad();
            Loss(net, step).backward();
            optimizer.Step();

            foreach (var p in hand.parameters()) p.grad?.zero_();
            Loss(hand, step).backward();
            using (no_grad())
                foreach (var (name, p) in hand.named_parameters())
                {
                    var g = p.grad!.add(p, alpha: wd);
                    if (buffers.TryGetValue(name, out var b)) b.mul_(m).add_(g);
                    else buffers[name] = b = g.clone();
                    p.add_(b, alpha: -rate);
                }
        }
        Assert.Equal(lr / 10, optimizer.LearningRate, 15);
        foreach (var (name, p) in hand.named_parameters())
            Assert.Equal(p.data<float>().ToArray(), net.named_parameters().Single(q => q.name == name).parameter.data<float>().ToArray());

        var state = optimizer.State();
        Assert.Equal(buffers.Keys.Select(k => "optimizer/" + k).Order(), state.Keys.Order());
        foreach (var (name, b) in buffers) Assert.Equal(b.data<float>().ToArray(), state["optimizer/" + name].data<float>().ToArray());

        // A fresh optimizer given the saved buffers continues exactly as the first one does.
        using var copy = Net(1);
        using (no_grad()) foreach (var (name, p) in net.named_parameters()) copy.named_parameters().Single(q => q.name == name).parameter.copy_(p);
        using var restored = new SgdMomentum(copy, lr / 10, m, wd);
        restored.LoadState(state.ToDictionary(kv => kv.Key, kv => kv.Value.clone()));
        foreach (var (model, opt) in new[] { (net, optimizer), (copy, restored) })
        {
            opt.ZeroGrad();
            Loss(model, 9).backward();
            opt.Step();
        }
        foreach (var (name, p) in net.named_parameters())
            Assert.Equal(p.data<float>().ToArray(), copy.named_parameters().Single(q => q.name == name).parameter.data<float>().ToArray());
    }
}
