using Apc.Compression.Quantization;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Compression.Quantization;

public class WeightQuantizerTests
{
    [Fact]
    public void HandComputedChannelsGetTheirOwnScale()
    {
        // 3 bits: levels -3..3. Channel 0: max |w| = 3 → scale 1. Channel 1: max |w| = 0.75 → scale 0.25.
        // Channel 2 is all zero → scale 1, levels 0.
        using var w = tensor(new float[] { 3f, -1.4f, 0.6f, 0.75f, -0.4f, 0.1f, 0f, 0f, 0f }).view(3, 3);
        var (levels, scales) = WeightQuantizer.Quantize(w, bits: 3);
        using (levels) using (scales)
        {
            Assert.Equal(ScalarType.Int8, levels.dtype);
            Assert.Equal(new sbyte[] { 3, -1, 1, 3, -2, 0, 0, 0, 0 }, levels.data<sbyte>().ToArray());
            Assert.Equal(new[] { 1f, 0.25f, 1f }, scales.data<float>().ToArray());
        }
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    [InlineData(2)]
    public void EachOutputChannelTakesAtMostTwoToTheBitsMinusOneValues(int bits)
    {
        torch.manual_seed(1);
        using var w = randn(6, 4, 5, 5);
        int maxLevel = (1 << (bits - 1)) - 1;
        var (levels, scales) = WeightQuantizer.Quantize(w, bits);
        using (levels) using (scales)
        using (var values = WeightQuantizer.FakeQuantize(w, bits))
        {
            for (int c = 0; c < 6; c++)
            {
                using var channel = values[c];
                var (distinct, _, _) = channel.unique();
                using (distinct) Assert.InRange(distinct.numel(), 1, 2 * maxLevel + 1);
                using var q = levels[c];
                // The channel's largest weight lands exactly on ±L.
                Assert.Equal(maxLevel, q.abs().max().item<sbyte>());
            }
        }
    }

    [Fact]
    public void RoundTripErrorIsAtMostHalfAStepPerChannel()
    {
        torch.manual_seed(2);
        using var w = randn(8, 3, 3, 3) * tensor(new float[] { 0.01f, 0.1f, 1, 10, 0.5f, 2, 0.05f, 3 }).view(8, 1, 1, 1);
        var (levels, scales) = WeightQuantizer.Quantize(w, 8);
        using (levels) using (scales)
        using (var values = WeightQuantizer.Dequantize(levels, scales))
        {
            var error = (values - w).abs().view(8, -1).amax(new long[] { 1 });
            // Half a step, plus float32 rounding of levels·scale (one ulp of the weight's magnitude).
            var bound = scales / 2 + w.abs().view(8, -1).amax(new long[] { 1 }) * 1.2e-7;
            Assert.True((error <= bound).all().item<bool>(), $"errors {string.Join(", ", error.data<float>().ToArray())}");
        }
    }

    [Fact]
    public void QuantizingAGridWeightAgainChangesNothing()
    {
        torch.manual_seed(4);
        using var w = randn(5, 7);
        using var once = WeightQuantizer.FakeQuantize(w, 6);
        using var twice = WeightQuantizer.FakeQuantize(once, 6);
        TensorAssert.Same(once, twice);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(9)]
    public void BitsOutsideTwoToEightAreAUsageError(int bits)
    {
        using var w = ones(2, 2);
        var error = Assert.Throws<UsageException>(() => WeightQuantizer.Quantize(w, bits));
        Assert.Contains("--bits", error.Message);
    }

    [Fact]
    public void ConvAndLinearWeightsAreQuantizedInExecutionOrder()
    {
        using var model = QuantTestSetup.NewModel();
        var names = WeightQuantizer.QuantizedParameters(model);
        Assert.Equal(9, names.Count); // vgg11: 8 convolutions and the classifier
        Assert.Equal("features.0.weight", names[0]);
        Assert.Equal("classifier.1.weight", names[^1]);
    }
}
