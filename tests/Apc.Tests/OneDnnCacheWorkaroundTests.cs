using Apc.Util;
using TorchSharp;
using static TorchSharp.torch;
using Words = Apc.Util.OneDnnCacheWorkaround.CpuCacheWords;

namespace Apc.Tests;

/// <summary>The cap on oneDNN's instruction set is taken exactly on CPUs that report no cache sizes, and with it (or
/// without it, elsewhere) a convolution's backward pass is the adjoint of its forward pass.</summary>
public class OneDnnCacheWorkaroundTests
{
    // Register values read on real machines: an AMD EPYC guest under Firecracker (every 0x8000001D sub-leaf zero),
    // a Zen 4 host (0x121: level 1 data cache) and an Intel Xeon (0x121 in leaf 4).
    [Theory]
    [InlineData("AuthenticAMD", 0xDu, 0x80000021u, 0u, 0u, true)]
    [InlineData("AuthenticAMD", 0x10u, 0x80000028u, 0u, 0x121u, false)]
    [InlineData("AuthenticAMD", 0xDu, 0x80000008u, 0u, 0u, false)] // older AMD: the caches come from 0x80000005/6
    [InlineData("GenuineIntel", 0x1Bu, 0x80000008u, 0x121u, 0u, false)]
    [InlineData("GenuineIntel", 0x1Bu, 0x80000008u, 0u, 0u, true)]
    [InlineData("GenuineIntel", 0x2u, 0x80000008u, 0u, 0u, false)] // leaf 4 not defined
    [InlineData("VIA VIA VIA ", 0xDu, 0x80000008u, 0u, 0u, false)]
    public void TheCapIsTakenExactlyWhereTheVendorsCacheLeafIsEmpty(string vendor, uint maxLeaf, uint maxExtended, uint leaf4, uint leafAmd, bool expected) =>
        Assert.Equal(expected, OneDnnCacheWorkaround.ReportsNoCacheSizes(new Words(vendor, maxLeaf, maxExtended, leaf4, leafAmd)));

    [Fact]
    public void TheNativeEnvironmentHoldsTheCapExactlyWhenThisCpuNeedsIt()
    {
        OneDnnCacheWorkaround.Apply();
        var native = System.Runtime.InteropServices.Marshal.PtrToStringAnsi(getenv(OneDnnCacheWorkaround.Variable));
        bool userChose = native is not null && !OneDnnCacheWorkaround.Applied;
        if (!System.Runtime.Intrinsics.X86.X86Base.IsSupported || userChose) Assert.False(OneDnnCacheWorkaround.Applied);
        else Assert.Equal(OneDnnCacheWorkaround.ReportsNoCacheSizes(OneDnnCacheWorkaround.ReadCpu()), OneDnnCacheWorkaround.Applied);
        if (OneDnnCacheWorkaround.Applied) Assert.Equal(OneDnnCacheWorkaround.SafeIsa, native);
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    static extern IntPtr getenv(string name);

    /// <summary>⟨conv(x), g⟩ = ⟨x, ∂conv/∂x ᵀ g⟩ + ⟨bias, Σg⟩: the input gradient autograd returns is the adjoint of the
    /// convolution. On the Firecracker guest without the cap, this failed with non-finite gradients within a few
    /// repetitions (shapes as in the study's 1/24-width student).</summary>
    [Theory]
    [InlineData(8, 8)]
    [InlineData(16, 21)]
    [InlineData(32, 8)]
    public void ConvolutionInputGradientIsTheAdjointOfTheConvolution(int inChannels, int outChannels)
    {
        torch.manual_seed(3);
        using var conv = nn.Conv2d(inChannels, outChannels, 3, padding: 1, bias: false);
        for (int repetition = 0; repetition < 10; repetition++)
        {
            using var scope = NewDisposeScope();
            var x = randn(64, inChannels, 16, 16).requires_grad_(true);
            var y = conv.call(x);
            var g = randn_like(y);
            var gx = autograd.grad(new[] { y }, new[] { x }, new[] { g })[0];
            Assert.True(gx.isfinite().all().item<bool>(), $"non-finite input gradient at repetition {repetition}");
            double forward = (y.to_type(ScalarType.Float64) * g.to_type(ScalarType.Float64)).sum().item<double>();
            double adjoint = (x.detach().to_type(ScalarType.Float64) * gx.to_type(ScalarType.Float64)).sum().item<double>();
            // float32 accumulation over 64·C·16·16 products: relative 1e-4 of the terms' magnitude.
            double scale = (y.abs().to_type(ScalarType.Float64) * g.abs().to_type(ScalarType.Float64)).sum().item<double>();
            Assert.True(Math.Abs(forward - adjoint) <= 1e-4 * scale, $"⟨conv x, g⟩ = {forward}, ⟨x, gx⟩ = {adjoint} at repetition {repetition}");
        }
    }
}
