using static TorchSharp.torch;

namespace Apc.Tests;

public static class TensorAssert
{
    /// <summary>Same shape and bit-identical values.</summary>
    public static void Same(Tensor expected, Tensor actual, string? what = null)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{what}: shape [{string.Join(',', expected.shape)}] vs [{string.Join(',', actual.shape)}]");
        Assert.True(expected.equal(actual).all().item<bool>(), $"{what}: values differ");
    }

    /// <summary>Same shape and values within |a-b| &lt;= atol + rtol·|b|.</summary>
    public static void Close(Tensor expected, Tensor actual, double rtol = 1e-5, double atol = 1e-6, string? what = null)
    {
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{what}: shape [{string.Join(',', expected.shape)}] vs [{string.Join(',', actual.shape)}]");
        var diff = (expected - actual).abs().max().item<float>();
        Assert.True(expected.allclose(actual, rtol, atol), $"{what}: max abs difference {diff}");
    }
}
