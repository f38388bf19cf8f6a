using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests;

/// <summary>Proves the native library loads on this host (see build/WeakenGlibcxxVersionNeed.cs) and that
/// double backpropagation, which attribution matching needs, works.</summary>
public class TorchSharpPlatformTests
{
    [Fact]
    public void DoubleBackpropagationGivesTheSecondDerivative()
    {
        using var scope = NewDisposeScope();
        // f(x) = sum x^3; df/dx = 3x^2; d/dx sum(3x^2) = 6x.
        var x = tensor(new float[] { 1f, -2f, 0.5f }, requires_grad: true);
        var y = (x * x * x).sum();
        var g = autograd.grad(new[] { y }, new[] { x }, retain_graph: true, create_graph: true)[0];
        Assert.Equal(new[] { 3f, 12f, 0.75f }, g.data<float>().ToArray());
        var gg = autograd.grad(new[] { g.sum() }, new[] { x })[0];
        Assert.Equal(new[] { 6f, -12f, 3f }, gg.data<float>().ToArray());
    }
}
