using Apc.Compression.Quantization;
using static TorchSharp.torch;

namespace Apc.Tests.Compression.Quantization;

public class RangeObserverTests
{
    [Fact]
    public void IncludeKeepsTheUnionOfAllBatches()
    {
        var observer = new RangeObserver();
        using (var a = tensor(new float[] { 0.5f, 2f, 1f })) observer.Include(a);
        using (var b = tensor(new float[] { -1f, 1.5f })) observer.Include(b);
        Assert.Equal((-1.0, 2.0), (observer.Min, observer.Max));
    }

    [Fact]
    public void AverageFollowsTheBatchRangesExponentially()
    {
        var observer = new RangeObserver();
        using (var a = tensor(new float[] { 0f, 4f })) observer.Average(a, 0.9);
        Assert.Equal((0.0, 4.0), (observer.Min, observer.Max)); // the first batch sets the range
        using (var b = tensor(new float[] { -1f, 2f })) observer.Average(b, 0.9);
        Assert.Equal(0.9 * 0 + 0.1 * -1, observer.Min, 12);
        Assert.Equal(0.9 * 4 + 0.1 * 2, observer.Max, 12);
    }

    [Fact]
    public void AQuantizerBeforeAnyObservationIsAnError()
    {
        Assert.Throws<InvalidOperationException>(() => new RangeObserver().Quantizer(8));
    }
}
