using Apc.Compression.Quantization;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Compression.Quantization;

public class ActivationQuantizationTests
{
    [Fact]
    public void ReluAndPoolOutputsAreTheQuantizationPoints()
    {
        using var vgg = QuantTestSetup.NewModel();
        var expected = vgg.AllNodes().Where(n => n.Kind is LayerKind.ReLU or LayerKind.MaxPool).Select(n => n.Name).ToList();
        Assert.Equal(8 + 5, expected.Count);
        Assert.Equal(expected, ActivationQuantization.PointsOf(vgg));

        using var resnet = QuantTestSetup.NewModel("resnet18:w=1/16");
        var points = ActivationQuantization.PointsOf(resnet);
        Assert.Equal(1 + 8 * 2 + 1, points.Count); // stem ReLU, two per basic block, the average pool
        Assert.Contains("layer2.0.relu1", points);
        Assert.Equal("avgpool", points[^1]);
    }

    [Fact]
    public void CalibrationObservesWithoutChangingTheOutputAndRecordsTheFullRange()
    {
        var data = QuantTestSetup.Data();
        using var model = QuantTestSetup.NewModelWithStatistics(data);
        using var images = QuantTestSetup.ValImages(data);
        using var plain = QuantTestSetup.Logits(model, images);

        var quantization = ActivationQuantization.Calibrate(model, 8);
        using var calibrating = QuantTestSetup.Logits(model, images);
        TensorAssert.Same(plain, calibrating, "logits while calibrating");

        // The grid of each ReLU spans the float activation's observed [min, max] (widened to 0); max-pools reuse
        // their input's grid (tested below).
        model.ActivationTap = null;
        var relus = model.AllNodes().Where(n => n.Kind == LayerKind.ReLU).Select(n => n.Name).ToArray();
        var (_, activations) = model.ForwardCapturing(images, relus);
        var grids = quantization.Grids();
        foreach (var point in relus)
        {
            var a = activations[point];
            var expected = AffineQuantizer.FromRange(a.min().item<float>(), a.max().item<float>(), 8);
            Assert.Equal(expected, grids[point]);
        }
    }

    [Theory]
    [InlineData(8)]
    [InlineData(4)]
    public void FrozenQuantizationPutsEveryActivationOnItsGrid(int bits)
    {
        var data = QuantTestSetup.Data();
        using var model = QuantTestSetup.NewModelWithStatistics(data);
        using var images = QuantTestSetup.ValImages(data);
        var quantization = ActivationQuantization.Calibrate(model, bits);
        QuantTestSetup.Logits(model, images).Dispose();
        quantization.Freeze();

        var seen = new Dictionary<string, Tensor>();
        using var logits = model.Forward(images, (name, output) => { seen[name] = output.detach().clone(); return output; });
        var grids = quantization.Grids();
        foreach (var point in quantization.Points)
        {
            var a = seen[point];
            var (distinct, _, _) = a.unique();
            using (distinct) Assert.InRange(distinct.numel(), 1, 1 << bits);
            // On the grid: quantizing again changes nothing.
            using var again = grids[point].FakeQuantize(a);
            TensorAssert.Same(a, again, point);
        }
        foreach (var t in seen.Values) t.Dispose();
    }

    [Fact]
    public void MaxPoolsReuseTheGridOfTheirInput()
    {
        var data = QuantTestSetup.Data();
        using var model = QuantTestSetup.NewModelWithStatistics(data);
        using var images = QuantTestSetup.ValImages(data);
        var quantization = ActivationQuantization.Calibrate(model, 8);
        QuantTestSetup.Logits(model, images).Dispose();
        var grids = quantization.Grids();
        var nodes = model.AllNodes().ToList();
        for (int i = 1; i < nodes.Count; i++)
            if (nodes[i].Kind == LayerKind.MaxPool)
                Assert.Equal(grids[nodes[i - 1].Name], grids[nodes[i].Name]);
    }

    [Fact]
    public void TrackingMovesRangesInTrainingModeOnly()
    {
        var data = QuantTestSetup.Data();
        using var model = QuantTestSetup.NewModelWithStatistics(data);
        using var images = QuantTestSetup.ValImages(data);
        var quantization = ActivationQuantization.Calibrate(model, 8, momentum: 0.5);
        QuantTestSetup.Logits(model, images).Dispose();
        quantization.Track();
        var calibrated = quantization.Grids();

        using var scaled = images * 3; // a batch with wider ranges
        QuantTestSetup.Logits(model, scaled).Dispose(); // evaluation mode
        Assert.Equal(calibrated, quantization.Grids());

        model.train();
        using (no_grad()) model.call(scaled).Dispose();
        model.eval();
        var moved = quantization.Grids();
        Assert.Contains(quantization.Points, p => moved[p] != calibrated[p]);
    }

    [Fact]
    public void GridsRoundTripThroughCheckpointTensors()
    {
        var grids = new Dictionary<string, AffineQuantizer>
        {
            ["features.2"] = new(0.0123f, 0, 8),
            ["features.3"] = new(0.0123f, 0, 8),
            ["features.6"] = new(0.5f, 17, 8),
        };
        var tensors = ActivationQuantization.ToTensors(grids);
        Assert.Equal(ScalarType.Int32, tensors["quant/act/features.6.zero_point"].dtype);
        var read = ActivationQuantization.FromTensors(tensors, "test");
        Assert.Equal(grids, read);
        foreach (var t in tensors.Values) t.Dispose();
    }
}
