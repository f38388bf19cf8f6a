// example: attribution-method
using Apc.Attribution;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Attribution;

/// <summary>Squared-gradient saliency: the sum over input channels of (∂z_c/∂x)², one value per pixel.</summary>
public sealed class SquaredGradient : IAttributionMethod
{
    public string Name => "squared-gradient";

    public MapKind Kind => MapKind.PixelNonNegative;

    public Tensor Attribute(ClassifierNet model, Tensor inputs, Tensor targets)
    {
        if (model.training) throw new ApcException("squared-gradient: put the model in eval mode first.");
        using var scope = NewDisposeScope();
        using var _ = enable_grad();
        var x = inputs.detach().requires_grad_(true);
        var score = model.call(x).gather(1, targets.unsqueeze(1)).sum(); // rows are independent in eval mode
        var gradient = autograd.grad(new[] { score }, new[] { x })[0];
        return gradient.pow(2).sum(1).detach().MoveToOuterDisposeScope();   // [B,H,W]
    }

    /// <summary>Makes the method known to --method, evaluation and reports.</summary>
    public static void Register() => AttributionMethods.Register("squared-gradient", options => new SquaredGradient());
}
// end example

public class SquaredGradientExampleTests
{
    static readonly Lazy<bool> registered = new(() => { SquaredGradient.Register(); return true; });

    /// <summary>With one input channel the squared gradient is the square of gradient saliency (max over channels of
    /// |∂z_c/∂x|), an independent implementation; the registered name builds the method.</summary>
    [Fact]
    public void TheRegisteredMethodIsSaliencySquaredOnOneChannel()
    {
        _ = registered.Value;
        Assert.Contains("squared-gradient", AttributionMethods.Names);
        using var model = Apc.Tests.Matching.MatchingNets.Create(seed: 3);
        model.eval();
        var images = Apc.Tests.Matching.MatchingNets.Images(batch: 3);
        var targets = tensor(new long[] { 0, 2, 1 });
        var squared = AttributionMethods.Create("Squared-Gradient").Attribute(model, images, targets);
        var saliency = AttributionMethods.Create("saliency").Attribute(model, images, targets);
        Assert.Equal(new long[] { 3, 64, 64 }, squared.shape);
        Assert.True(saliency.abs().sum().ToDouble() > 0);
        TensorAssert.Close(saliency.pow(2), squared, 1e-5, 1e-12);
        Assert.Throws<ArgumentException>(() => AttributionMethods.Register("saliency", _ => new SquaredGradient()));
    }
}
