using Apc.Attribution;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Attribution;

public class GradientMethodTests
{
    [Theory]
    [InlineData(TestNets.Vgg)]
    [InlineData(TestNets.ResNet)]
    public void SaliencyAndInputTimesGradientEqualTheHandComputation(string arch)
    {
        using var scope = NewDisposeScope();
        using var model = TestNets.Build(arch, seed: 21);
        var x = TestNets.Inputs(2, seed: 22);
        long[] classes = { 3, 1 };
        var targets = tensor(classes);
        // One sample at a time, through the model's own forward.
        var gradients = new List<Tensor>();
        for (int b = 0; b < 2; b++)
        {
            var leaf = x[b].unsqueeze(0).detach().requires_grad_(true);
            gradients.Add(autograd.grad(new[] { model.call(leaf)[0, classes[b]] }, new[] { leaf })[0][0]);
        }
        var g = stack(gradients);
        var saliency = AttributionMethods.Create("saliency").Attribute(model, x, targets);
        Assert.True(TestNets.RelativeError(saliency, g.abs().max(1).values) < 1e-5);
        var inputTimesGradient = AttributionMethods.Create("input-x-gradient").Attribute(model, x, targets);
        Assert.True(TestNets.RelativeError(inputTimesGradient, (x * g).sum(1)) < 1e-5);
    }

    [Theory]
    [InlineData(TestNets.Vgg, 0.0)]
    [InlineData(TestNets.ResNet, 0.0)]
    public void IntegratedGradientsAreCompleteWithinOnePercentAt256Steps(string arch, double baseline)
    {
        // The sum of attributions is a Riemann sum of the path integral, exact up to discretisation: a ReLU network's
        // path gradient jumps at every kink. The target per sample is the class whose logit changes most along the path,
        // so that the change is not itself of the size of that error (untrained networks barely separate classes).
        // (For the ResNet with baseline −0.5 the error at 256 steps is 1.07%, shrinking to 0.05% at 4096: the sum
        // converges to f(x) − f(x'), the discretisation is just coarser there. The baseline itself is checked exactly below.)
        using var scope = NewDisposeScope();
        using var model = TestNets.Build(arch, seed: 23);
        var x = TestNets.Inputs(2, seed: 24);
        var reference = full_like(x, baseline);
        Tensor change;
        using (no_grad()) change = model.call(x) - model.call(reference);
        var targets = change.abs().argmax(1);
        var differences = TestNets.Values(change.gather(1, targets.unsqueeze(1)));
        var ig = AttributionMethods.Create("integrated-gradients", new AttributionOptions { Steps = 256, Baseline = baseline });
        var sums = TestNets.Values(ig.Attribute(model, x, targets).sum(new long[] { 1, 2 }));
        for (int b = 0; b < sums.Length; b++)
            Assert.True(Math.Abs(sums[b] - differences[b]) <= 0.01 * Math.Abs(differences[b]), $"sample {b}: Σ IG {sums[b]} vs f(x) − f(x') = {differences[b]}");
    }

    [Fact]
    public void IntegratedGradientsOfALinearModelAreExactForAnyBaseline()
    {
        // z_c = w_c·x + b_c has a constant gradient: IG = (x − x')·w_c for any number of steps.
        using var scope = NewDisposeScope();
        var linear = nn.Linear(3 * 4 * 4, 2);
        using var model = new SequentialNet(3, 2, 4, ("flatten", Apc.Models.LayerKind.Flatten, nn.Flatten()), ("fc", Apc.Models.LayerKind.Linear, linear));
        using var g = new Generator(3);
        var x = randn(new long[] { 2, 3, 4, 4 }, generator: g);
        var targets = TestNets.Targets(1, 0);
        var ig = AttributionMethods.Create("integrated-gradients", new AttributionOptions { Steps = 3, Baseline = -0.5 }).Attribute(model, x, targets);
        var weights = linear.weight!.detach().index_select(0, targets).reshape(2, 3, 4, 4);
        Assert.True(TestNets.RelativeError(ig, ((x + 0.5) * weights).sum(1)) < 1e-5);
    }

    [Fact]
    public void IntegratedGradientsDoNotDependOnTheInternalBatchSize()
    {
        using var scope = NewDisposeScope();
        using var model = TestNets.Build(TestNets.Vgg, seed: 25);
        var x = TestNets.Inputs(3, seed: 26);
        var targets = TestNets.Targets(1, 2, 3);
        var one = AttributionMethods.Create("integrated-gradients", new AttributionOptions { Steps = 20, InternalBatchSize = 1 }).Attribute(model, x, targets);
        var all = AttributionMethods.Create("integrated-gradients", new AttributionOptions { Steps = 20, InternalBatchSize = 60 }).Attribute(model, x, targets);
        var some = AttributionMethods.Create("integrated-gradients", new AttributionOptions { Steps = 20, InternalBatchSize = 21 }).Attribute(model, x, targets);
        Assert.True(TestNets.RelativeError(one, all) < 1e-5);
        Assert.True(TestNets.RelativeError(some, all) < 1e-5);
    }

    [Fact]
    public void SmoothGradIsSeededAndWithoutNoiseIsSaliency()
    {
        using var scope = NewDisposeScope();
        using var model = TestNets.Build(TestNets.ResNet, seed: 27);
        var x = TestNets.Inputs(2, seed: 28);
        var targets = TestNets.Targets(0, 4);
        Tensor Run(long seed, double noise, int samples) =>
            AttributionMethods.Create("smoothgrad", new AttributionOptions { Seed = seed, NoiseLevel = noise, Samples = samples, InternalBatchSize = 7 })
                .Attribute(model, x, targets);
        var first = Run(5, 0.2, 10);
        Assert.True((first == Run(5, 0.2, 10)).all().item<bool>());
        Assert.True(TestNets.RelativeError(Run(6, 0.2, 10), first) > 1e-3, "another seed should give other noise");
        var saliency = AttributionMethods.Create("saliency").Attribute(model, x, targets);
        Assert.True(TestNets.RelativeError(Run(5, 0, 3), saliency) < 1e-5);
        Assert.True(TestNets.RelativeError(first, saliency) > 1e-3, "noise should change the map");
    }
}
