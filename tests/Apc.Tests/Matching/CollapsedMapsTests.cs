using Apc.Matching;
using static TorchSharp.torch;

namespace Apc.Tests.Matching;

public class CollapsedMapsTests
{
    [Fact]
    public void WeightedMapSumsSensitivitiesOverPositionsAndCollapsesChannels()
    {
        // A_0 = [[1,2],[3,4]], A_1 = [[0,1],[1,0]]; α_0 = 0.5+0.5 = 1, α_1 = 4·(−1) = −4 (sums, not means).
        var a = tensor(new float[] { 1, 2, 3, 4, 0, 1, 1, 0 }).view(1, 2, 2, 2);
        var s = tensor(new float[] { 0.5f, 0.5f, 0, 0, -1, -1, -1, -1 }).view(1, 2, 2, 2);
        var map = CollapsedMaps.Weighted(a, s);
        // ReLU(A_0 − 4·A_1) = ReLU([[1,−2],[−1,4]]).
        TensorAssert.Close(tensor(new float[] { 1, 0, 0, 4 }).view(1, 2, 2), map);
        var normalised = CollapsedMaps.Normalize(map);
        TensorAssert.Close(tensor(new float[] { 1, 0, 0, 4 }).view(1, 4) / MathF.Sqrt(17), normalised);

        // Leaving channel 1 out: ReLU(A_0).
        var keep = tensor(new float[] { 1, 0 });
        TensorAssert.Close(a[0, 0].unsqueeze(0), CollapsedMaps.Weighted(a, s, keep));
    }

    [Fact]
    public void AttentionMapIsTheChannelMeanOfSquaredActivations()
    {
        manual_seed(3);
        var a = randn(2, 3, 4, 5);
        var expected = zeros(2, 4, 5);
        for (int k = 0; k < 3; k++) expected += a[.., k] * a[.., k];
        expected /= 3;
        TensorAssert.Close(expected, CollapsedMaps.Attention(a));
    }

    [Fact]
    public void NormalisationFloorsTheNormSoThatAZeroMapStaysZero()
    {
        var zero = zeros(2, 3, 3);
        var normalised = CollapsedMaps.Normalize(zero);
        Assert.Equal(new long[] { 2, 9 }, normalised.shape);
        Assert.Equal(0f, normalised.abs().sum().item<float>());
        var map = tensor(new float[] { 3, 4 }).view(1, 1, 2);
        TensorAssert.Close(tensor(new float[] { 0.6f, 0.8f }).view(1, 2), CollapsedMaps.Normalize(map));
    }

    [Fact]
    public void DistanceIsTheMeanSquaredDifferenceOverPairsAndPositions()
    {
        var t = tensor(new float[] { 1, 0, 0, 1 }).view(2, 2);
        var s = tensor(new float[] { 0, 1, 0, 1 }).view(2, 2);
        Assert.Equal(0.5f, CollapsedMaps.Distance(t, s).item<float>(), 6); // (1 + 1 + 0 + 0) / 4
    }
}
