using Apc.Attribution;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Attribution;

/// <summary>What every method promises (IAttributionMethod): shape, detached output, batched = per-sample,
/// deterministic, model mode and parameter gradients untouched; on a VGG and a ResNet.</summary>
public class MethodContractTests
{
    public static TheoryData<string, string> EveryMethodOnBothFamilies()
    {
        var data = new TheoryData<string, string>();
        foreach (var method in AttributionMethods.Names)
            foreach (var arch in new[] { TestNets.Vgg, TestNets.ResNet })
                data.Add(method, arch);
        return data;
    }

    /// <summary>Small settings so that every method runs fast; the normalisation of the test inputs for z^B.</summary>
    internal static readonly AttributionOptions Fast = new() { Steps = 8, Samples = 4, Normalization = TestNets.Normalization };

    [Theory]
    [MemberData(nameof(EveryMethodOnBothFamilies))]
    public void BatchedEqualsPerSampleAndRepeatsExactly(string method, string arch)
    {
        using var scope = NewDisposeScope();
        using var model = TestNets.Build(arch, seed: 31);
        var x = TestNets.Inputs(3, seed: 32);
        var targets = TestNets.Targets(2, 0, 4);
        var attribution = AttributionMethods.Create(method, Fast);
        Assert.Equal(method, attribution.Name);

        var batched = attribution.Attribute(model, x, targets);
        Assert.Equal(new long[] { 3, TestNets.Size, TestNets.Size }, batched.shape);
        Assert.Equal(ScalarType.Float32, batched.dtype);
        Assert.False(batched.requires_grad);
        Assert.True(batched.isfinite().all().item<bool>());
        Assert.True(TestNets.MaxAbs(batched) > 0, "degenerate: all-zero maps");

        var single = cat(Enumerable.Range(0, 3).Select(b => attribution.Attribute(model, x.narrow(0, b, 1), targets.narrow(0, b, 1))).ToList(), 0);
        Assert.True(TestNets.RelativeError(batched, single) <= 1e-5, $"batched vs per-sample: {TestNets.RelativeError(batched, single)}");

        var again = attribution.Attribute(model, x, targets);
        Assert.True((again == batched).all().item<bool>(), "two calls differ");

        Assert.False(model.training);
        Assert.All(model.parameters(), p => Assert.True(p.grad is null, "a parameter gradient was accumulated"));
    }

    [Theory]
    [InlineData("lrp")]
    [InlineData("rap")]
    [InlineData("excitation-backprop")]
    [InlineData("gradcam")]
    public void DoublePrecisionModelsGiveTheSameMaps(string method)
    {
        using var scope = NewDisposeScope();
        using var single = TestNets.Build(TestNets.ResNet, seed: 33);
        using var precise = TestNets.Build(TestNets.ResNet, seed: 33);
        precise.to(ScalarType.Float64);
        var x = TestNets.Inputs(2, seed: 34);
        var targets = TestNets.Targets(1, 3);
        var attribution = AttributionMethods.Create(method, Fast);
        var expected = attribution.Attribute(single, x, targets);
        var actual = attribution.Attribute(precise, x.to_type(ScalarType.Float64), targets);
        Assert.Equal(ScalarType.Float64, actual.dtype);
        Assert.True(TestNets.RelativeError(actual.to_type(ScalarType.Float32), expected) < 1e-4);
    }

    [Theory]
    [MemberData(nameof(EveryMethodOnBothFamilies))]
    public void FrozenModelsWorkToo(string method, string arch)
    {
        // A frozen teacher has no parameter that requires grad; the methods must still build their own graphs.
        using var scope = NewDisposeScope();
        using var model = TestNets.Build(arch, seed: 35);
        var x = TestNets.Inputs(2, seed: 36);
        var targets = TestNets.Targets(0, 3);
        var attribution = AttributionMethods.Create(method, Fast);
        var expected = attribution.Attribute(model, x, targets);
        foreach (var p in model.parameters()) p.requires_grad_(false);
        Assert.True((attribution.Attribute(model, x, targets) == expected).all().item<bool>());
    }
}
