using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Models;

public class ModelTests
{
    static ClassifierNet Build(string arch, int inChannels = 1, int classes = 10, int size = 32)
    {
        torch.manual_seed(0);
        return ModelFactory.Create(new ModelConfig(ArchSpec.Parse(arch), inChannels, classes, size));
    }

    [Theory]
    [InlineData("vgg16-bn")]
    [InlineData("vgg16-bn:w=1/8")]
    [InlineData("vgg11-bn:channels=8,M,16,M,32,32,M,64,64,M,64,64,M")]
    [InlineData("resnet18:w=1/4")]
    [InlineData("resnet18:widths=16,16,16,32,32,64,64,128,128")]
    [InlineData("vgg16-bn:w=1/4:skip-pools=4")]
    [InlineData("vgg11-bn:channels=8,M,16,M,32,32,M,64,64,M,64,64,M:skip-pools=1,4")]
    public void SpecTextRoundTrips(string text)
    {
        var spec = ArchSpec.Parse(text);
        Assert.Equal(spec, ArchSpec.Parse(spec.ToString()));
    }

    [Theory]
    [InlineData("vgg17-bn")]
    [InlineData("vgg16-bn:w=0")]
    [InlineData("vgg16-bn:w=abc")]
    [InlineData("vgg11-bn:channels=8,16")]
    [InlineData("vgg16-bn:depth=3")]
    public void BadSpecsGiveAUsageError(string text) => Assert.Throws<UsageException>(() => ArchSpec.Parse(text));

    [Fact]
    public void SkipPoolsTextIsCanonical()
    {
        var spec = ArchSpec.Parse("vgg16-bn:skip-pools=4, 1,4:w=1/4");
        Assert.Equal(new[] { 1, 4 }, spec.SkipPools);
        Assert.Equal("vgg16-bn:w=1/4:skip-pools=1,4", spec.ToString());
        Assert.NotEqual(ArchSpec.Parse("vgg16-bn:w=1/4"), spec);
    }

    [Theory]
    [InlineData("vgg16-bn:skip-pools=0", "skip-pools entry '0' must be a VGG stage number 1..5")]
    [InlineData("vgg16-bn:skip-pools=6", "skip-pools entry '6' must be a VGG stage number 1..5")]
    [InlineData("vgg16-bn:skip-pools=pool4", "skip-pools entry 'pool4' must be a VGG stage number 1..5")]
    [InlineData("vgg16-bn:skip-pools=", "skip-pools needs stage numbers 1..5")]
    [InlineData("vgg16-bn:skip-pools=1,2,3,4,5", "cannot leave out all 5 pools")]
    [InlineData("resnet18:skip-pools=4", "skip-pools applies to VGG only")]
    public void BadSkipPoolsGiveOneClearUsageError(string text, string message)
    {
        var error = Assert.Throws<UsageException>(() => ArchSpec.Parse(text));
        Assert.Contains(message, error.Message);
        Assert.Contains($"architecture '{text}'", error.Message);
    }

    [Fact]
    public void SkipPoolsKeepsTheReferenceGeometryAt64Px()
    {
        using var scope = NewDisposeScope();
        using var model = Build("vgg16-bn:w=1/4:skip-pools=4", inChannels: 3, classes: 5, size: 64);
        model.eval();
        // Names and state-dict positions are the reference's; pool4 (features.33) does not exist.
        Assert.Equal("features.34", model.ResolveLayer("conv5_1"));
        Assert.Equal("features.40", model.ResolveLayer("conv5_3"));
        Assert.Equal("features.42", model.ResolveLayer("relu5_3"));
        Assert.Equal("features.43", model.ResolveLayer("pool5"));
        Assert.Equal("features.42", model.DefaultAttributionLayer);
        Assert.Equal("features.43", model.DefaultMatchingLayer);
        Assert.Throws<UsageException>(() => model.ResolveLayer("pool4"));
        Assert.Contains("features.34.weight", model.state_dict().Keys);
        Assert.Equal(4, model.AllNodes().Count(n => n.Kind == LayerKind.MaxPool));

        var (logits, acts) = model.ForwardCapturing(randn(2, 3, 64, 64), "relu5_3", "pool5");
        Assert.Equal(new long[] { 2, 128, 8, 8 }, acts["relu5_3"].shape);
        Assert.Equal(new long[] { 2, 128, 4, 4 }, acts["pool5"].shape);
        Assert.Equal(new long[] { 2, 5 }, logits.shape);
        Assert.Equal(4, Vgg.FeatureSize(model.Arch, 64));
        Assert.Equal(2, Vgg.FeatureSize(ArchSpec.Parse("vgg16-bn:w=1/4"), 64));
        Assert.Equal(4, Vgg.FeatureSize(ArchSpec.Parse("vgg16-bn:w=1/4:skip-pools=1"), 64)); // pool2..pool5 from 64
        Assert.Equal(128 * 4 * 4, ((TorchSharp.Modules.Linear)((LayerNode)model.Node("fc")).Module).weight!.shape[1]);
    }

    [Fact]
    public void SkipPoolsMacCountMatchesHandComputation()
    {
        // vgg16 at width 1/4 on 1x64x64 without pool4: stage sizes 64, 32, 16, 8, and 8 again (no pool4); head 128*4*4 -> 10.
        using var model = Build("vgg16-bn:w=1/4:skip-pools=4", size: 64);
        int[] widths = { 16, 16, 32, 32, 64, 64, 64, 128, 128, 128, 128, 128, 128 };
        int[] sizes = { 64, 64, 32, 32, 16, 16, 16, 8, 8, 8, 8, 8, 8 };
        long macs = 0, input = 1;
        for (int i = 0; i < widths.Length; i++)
        {
            macs += (long)widths[i] * sizes[i] * sizes[i] * input * 9;
            input = widths[i];
        }
        macs += 128 * 4 * 4 * 10;
        Assert.Equal(macs, model.MultiplyAccumulates());
    }

    [Fact]
    public void VggStateDictKeysFollowTorchvision()
    {
        using var model = Build("vgg16-bn:w=1/8");
        var keys = model.state_dict().Keys.ToList();
        Assert.Contains("features.0.weight", keys);
        Assert.Contains("features.1.running_var", keys);
        Assert.Contains("features.41.weight", keys); // bn5_3
        Assert.Contains("classifier.1.weight", keys);
        Assert.Equal("features.42", model.ResolveLayer("relu5_3"));
        Assert.Equal("features.43", model.ResolveLayer("pool5"));
        Assert.Equal("features.42", model.DefaultAttributionLayer);
        Assert.Equal("features.43", model.DefaultMatchingLayer);
    }

    [Fact]
    public void UnknownLayerErrorListsValidNames()
    {
        using var model = Build("vgg11-bn:w=1/8");
        var error = Assert.Throws<UsageException>(() => model.ResolveLayer("conv9_9"));
        Assert.Contains("features.0 (conv1_1)", error.Message);
    }

    [Fact]
    public void VggParameterAndMacCountsMatchHandComputation()
    {
        // vgg11 at width 1/8 on 1x32x32: widths 8,M,16,M,32,32,M,64,64,M,64,64,M; head 64*1*1 -> 10.
        using var model = Build("vgg11-bn:w=1/8");
        int[] widths = { 8, 16, 32, 32, 64, 64, 64, 64 };
        int[] sizes = { 32, 16, 8, 8, 4, 4, 2, 2 };
        long parameters = 0, macs = 0, input = 1;
        for (int i = 0; i < widths.Length; i++)
        {
            parameters += input * widths[i] * 9 + widths[i] + 2 * widths[i];
            macs += (long)widths[i] * sizes[i] * sizes[i] * input * 9;
            input = widths[i];
        }
        parameters += 64 * 10 + 10;
        macs += 64 * 10;
        Assert.Equal(parameters, model.ParameterCount());
        Assert.Equal(macs, model.MultiplyAccumulates());
    }

    [Theory]
    [InlineData("vgg16-bn:w=1/8", 64)]
    [InlineData("resnet18:w=1/8", 64)]
    [InlineData("resnet18:w=1/16", 128)]
    public void ForwardGivesOneLogitPerClassAndCapturesLayers(string arch, int size)
    {
        using var scope = NewDisposeScope();
        using var model = Build(arch, 3, 5, size);
        model.eval();
        var x = randn(2, 3, size, size);
        var (logits, acts) = model.ForwardCapturing(x, model.DefaultAttributionLayer, model.DefaultMatchingLayer);
        Assert.Equal(new long[] { 2, 5 }, logits.shape);
        Assert.Equal(4, acts[model.DefaultMatchingLayer].dim());
        // The captured activation is in the graph: d logit / d activation exists and is not all zero.
        x.requires_grad_(true);
        (logits, acts) = model.ForwardCapturing(x, model.DefaultMatchingLayer);
        var grad = autograd.grad(new[] { logits[.., 0].sum() }, new[] { acts[model.DefaultMatchingLayer] })[0];
        Assert.True(grad.abs().sum().item<float>() > 0);
        // Same logits as the plain forward.
        Assert.True(logits.allclose(model.call(x), 1e-5, 1e-6));
    }

    [Fact]
    public void ResNetStateDictKeysFollowTorchvision()
    {
        using var model = Build("resnet18:w=1/8", 3, 20, 64);
        var keys = model.state_dict().Keys.ToList();
        foreach (var key in new[] { "conv1.weight", "bn1.running_mean", "layer1.0.conv1.weight", "layer2.0.downsample.0.weight", "layer4.1.bn2.bias", "fc.weight" })
            Assert.Contains(key, keys);
        Assert.Equal("layer4.1.relu", model.ResolveLayer("layer4"));
    }

    [Fact]
    public void WrongInputShapeIsAClearError()
    {
        using var model = Build("vgg11-bn:w=1/8");
        using var x = zeros(1, 3, 32, 32);
        var error = Assert.Throws<ApcException>(() => model.call(x));
        Assert.Contains("expects input [N,1,32,32]", error.Message);
    }
}
