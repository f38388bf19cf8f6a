using Apc.Attribution;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Attribution;

/// <summary>Bad input fails before any native call, with one line that says what and which values are valid.</summary>
public class BadInputTests
{
    [Fact]
    public void UnknownMethodListsTheValidOnes()
    {
        var error = Assert.Throws<UsageException>(() => AttributionMethods.Create("grad-cam-3000"));
        Assert.Contains("'grad-cam-3000'", error.Message);
        foreach (var name in AttributionMethods.Names) Assert.Contains(name, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("gradcam")]
    [InlineData("wcam")]
    [InlineData("excitation-backprop")]
    public void UnknownLayerListsTheValidOnes(string method)
    {
        using var scope = NewDisposeScope();
        using var model = TestNets.Build(TestNets.Vgg);
        var error = Assert.Throws<UsageException>(() =>
            AttributionMethods.Create(method, new AttributionOptions { Layer = "conv9_9" }).Attribute(model, TestNets.Inputs(1), TestNets.Targets(0)));
        Assert.Contains("unknown layer 'conv9_9'", error.Message);
        Assert.Contains("features.0 (conv1_1)", error.Message);
    }

    [Theory]
    [InlineData("gradcam", "fc")]
    [InlineData("excitation-backprop", "flatten")]
    public void NonSpatialLayerIsAUsageError(string method, string layer)
    {
        using var scope = NewDisposeScope();
        using var model = TestNets.Build(TestNets.ResNet);
        var error = Assert.Throws<UsageException>(() =>
            AttributionMethods.Create(method, new AttributionOptions { Layer = layer }).Attribute(model, TestNets.Inputs(1), TestNets.Targets(0)));
        Assert.Contains("not a feature map", error.Message);
    }

    public static TheoryData<string> Methods()
    {
        var data = new TheoryData<string>();
        foreach (var name in AttributionMethods.Names) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void EveryMethodRejectsBadTargetsInputsAndTrainingMode(string method)
    {
        using var scope = NewDisposeScope();
        using var model = TestNets.Build(TestNets.Vgg);
        var attribution = AttributionMethods.Create(method, MethodContractTests.Fast);
        var x = TestNets.Inputs(2);

        var outOfRange = Assert.Throws<ApcException>(() => attribution.Attribute(model, x, TestNets.Targets(1, TestNets.Classes)));
        Assert.Equal($"target class {TestNets.Classes} of sample 1 is out of range [0, {TestNets.Classes}) for model {model.Arch}.", outOfRange.Message);
        Assert.Throws<ApcException>(() => attribution.Attribute(model, x, TestNets.Targets(-1, 0)));
        Assert.Contains("one class index per sample", Assert.Throws<ApcException>(() => attribution.Attribute(model, x, TestNets.Targets(1))).Message);
        Assert.Contains("integer class indices", Assert.Throws<ApcException>(() => attribution.Attribute(model, x, tensor(new float[] { 0, 1 }))).Message);
        Assert.Contains("expects input [N,3,32,32]", Assert.Throws<ApcException>(() => attribution.Attribute(model, zeros(2, 1, 32, 32), TestNets.Targets(0, 1))).Message);

        model.train();
        Assert.Contains("eval mode", Assert.Throws<ApcException>(() => attribution.Attribute(model, x, TestNets.Targets(0, 1))).Message);
        Assert.True(model.training, "the method must not change the mode");
    }

    [Fact]
    public void BadOptionValuesAreUsageErrors()
    {
        Assert.Contains("steps", Assert.Throws<UsageException>(() => AttributionMethods.Create("integrated-gradients", new AttributionOptions { Steps = 0 })).Message);
        Assert.Contains("samples", Assert.Throws<UsageException>(() => AttributionMethods.Create("smoothgrad", new AttributionOptions { Samples = 0 })).Message);
        Assert.Contains("noise level", Assert.Throws<UsageException>(() => AttributionMethods.Create("smoothgrad", new AttributionOptions { NoiseLevel = -1 })).Message);
        Assert.Contains("epsilon", Assert.Throws<UsageException>(() => AttributionMethods.Create("lrp", new AttributionOptions { Epsilon = double.NaN })).Message);
        Assert.Contains("normalisation", Assert.Throws<UsageException>(() =>
            AttributionMethods.Create("lrp", new AttributionOptions { Normalization = new Apc.Data.Normalization(new[] { 0.5f }, new[] { 0f }) })).Message);
    }

    [Fact]
    public void NormalisationForOtherChannelsIsAnError()
    {
        using var scope = NewDisposeScope();
        using var model = TestNets.Build(TestNets.Vgg);
        var grey = new AttributionOptions { Normalization = Apc.Data.Normalization.Identity(1) };
        foreach (var method in new[] { "lrp", "rap" })
            Assert.Contains("normalisation has 1 channels but the model reads 3",
                Assert.Throws<ApcException>(() => AttributionMethods.Create(method, grey).Attribute(model, TestNets.Inputs(1), TestNets.Targets(0))).Message);
    }
}
