using Apc.Compression;
using Apc.Tests.Matching;
using static TorchSharp.torch;

namespace Apc.Tests.Compression;

public class CompressionReportTests
{
    [Fact]
    public void AttributionDistanceIsZeroForACopyAndPositiveForAnotherNetwork()
    {
        var val = new TinyDataset(12, 4, size: 64, classes: 3);
        using var teacher = MatchingNets.Create(seed: 1);
        using var copy = MatchingNets.CopyOf(teacher);
        using var other = MatchingNets.Create(seed: 4);
        copy.train(); // measurement switches to eval mode and back
        Assert.Equal(0, CompressionReport.AttributionDistance(teacher, copy, val, 5, CPU)!.Value, 9);
        Assert.True(copy.training);
        Assert.True(CompressionReport.AttributionDistance(teacher, other, val, 5, CPU) > 1e-3);
        using var resnet = MatchingNets.Create("resnet18:w=1/16", seed: 2);
        Assert.Null(CompressionReport.AttributionDistance(teacher, resnet, val, 5, CPU)); // 2x2 vs 8x8 maps
    }

    [Fact]
    public void MeasurementsCountZerosSizesAndRatios()
    {
        using var dir = new TempFolder();
        var val = new TinyDataset(8, 4, size: 64, classes: 3);
        using var teacher = MatchingNets.Create(seed: 1);
        using var pruned = MatchingNets.CopyOf(teacher);
        using (no_grad()) pruned.parameters().First().zero_(); // features.0.weight: 4 filters x 1 x 3 x 3
        var path = dir.File("model.ckpt");
        File.WriteAllBytes(path, new byte[1234]);
        using var images = CompressionReport.LatencyBatch(val, CPU);
        Assert.Equal(8, images.shape[0]);
        using var logits = teacher.call(images).detach();
        using var labels = zeros(8, 3);
        pruned.train();
        var latency = CompressionReport.MedianLatencyMs(new[] { teacher, pruned }, images, warmup: 1, repeats: 3);
        Assert.True(pruned.training, "timing switches to eval mode and back");
        Assert.All(latency, ms => Assert.True(ms > 0));
        var t = CompressionReport.Measure(teacher, dir.File("none"), logits, labels, logits, latency[0]);
        var m = CompressionReport.Measure(pruned, path, logits, labels, logits, latency[1]);
        Assert.Equal(t.NonzeroParameters - 36, m.NonzeroParameters);
        Assert.True(t.NonzeroParameters < t.Parameters, "biases start at zero");
        Assert.Equal(1234, m.SizeBytes);
        Assert.Equal(1.0, m.Prediction.Agreement);
        Assert.Equal(latency[1], m.LatencyMs);
        var ratios = CompressionReport.Ratios(t, m);
        Assert.Equal(1.0, ratios["parameters"]!.GetValue<double>());
        Assert.Equal((double)t.NonzeroParameters / m.NonzeroParameters, ratios["nonzero_parameters"]!.GetValue<double>(), 12);
        Assert.Null(ModelMeasurement.Number(double.NaN)); // mAP without positives is null in JSON, not NaN
    }
}
