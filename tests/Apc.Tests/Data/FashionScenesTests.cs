using Apc.Data;
using static TorchSharp.torch;
using static Apc.Tests.Data.TensorCompare;

namespace Apc.Tests.Data;

/// <summary>Loads the synthetic Fashion-MNIST fixture once for all scene tests.</summary>
public sealed class FashionSource : IDisposable
{
    public FashionSource()
    {
        Fixture = FashionFixture.Create(trainCount: 200, testCount: 100);
        Mnist = FashionMnist.Load(Fixture.Folder);
    }
    public FashionFixture Fixture { get; }
    public FashionMnist Mnist { get; }
    public void Dispose() => Fixture.Dispose();
}

public class FashionScenesTests(FashionSource source) : IClassFixture<FashionSource>
{
    private readonly FashionMnist _fm = source.Mnist;
    private static readonly int NoiseMax = (int)(new FashionScenesOptions().Noise * 255);

    private FashionScenesDataset Scenes(SplitKind split, int count = 40, int seed = 3, FashionScenesOptions? options = null) =>
        new(_fm, split, count, seed, options);

    [Fact]
    public void SameSeedGivesTheSameScenesAndAnotherSeedOthers()
    {
        var a = Scenes(SplitKind.Train, seed: 3);
        var b = Scenes(SplitKind.Train, seed: 3);
        var c = Scenes(SplitKind.Train, seed: 4);

        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a.GetDisplayImage(i), b.GetDisplayImage(i));
            Assert.Equal(a.GetItems(i), b.GetItems(i));
        }
        using var scope = NewDisposeScope();
        var all = Enumerable.Range(0, a.Count).ToArray();
        using var batchA = a.GetBatch(all, augment: false);
        using var batchB = b.GetBatch(all, augment: false);
        Assert.True(Same(batchA.Masks!, batchB.Masks!));
        int differing = Enumerable.Range(0, a.Count).Count(i => !a.GetDisplayImage(i).SequenceEqual(c.GetDisplayImage(i)));
        Assert.Equal(a.Count, differing);
    }

    [Fact]
    public void SceneDependsOnlyOnItsIndexSoASmallerSetIsAPrefix()
    {
        var small = Scenes(SplitKind.Val, count: 10);
        var large = Scenes(SplitKind.Val, count: 40);
        for (int i = 0; i < small.Count; i++)
            Assert.Equal(small.GetDisplayImage(i), large.GetDisplayImage(i));
    }

    [Fact]
    public void EveryLabelledClassHasAMaskAndNoMaskLacksItsLabel()
    {
        var scenes = Scenes(SplitKind.Train, count: 60);
        using var scope = NewDisposeScope();
        using var batch = scenes.GetBatch(Enumerable.Range(0, scenes.Count).ToArray(), augment: false);
        var labels = batch.Labels.data<float>().ToArray();
        var maskPixels = batch.Masks!.sum([2, 3]).data<float>().ToArray();   // [B,K]

        for (int i = 0; i < scenes.Count; i++)
        {
            var fromItems = scenes.GetItems(i).Select(t => t.ClassIndex).Distinct().Order();
            Assert.Equal(fromItems, scenes.GetLabels(i));
            for (int k = 0; k < 10; k++)
            {
                bool labelled = labels[i * 10 + k] == 1f;
                Assert.Equal(labelled, scenes.GetLabels(i).Contains(k));
                Assert.Equal(labelled, maskPixels[i * 10 + k] > 0);
            }
        }
    }

    [Fact]
    public void MasksCoverExactlyTheItemPixelsInsideBoxesOfTheirClass()
    {
        // Test scenes: every item pixel has intensity TestSecondHalfIntensity, so the mask threshold in pixel
        // values is MaskThreshold * that intensity.
        var scenes = Scenes(SplitKind.Test, count: 30);
        int side = scenes.Shape.Width;
        int minMasked = (int)(scenes.Options.MaskThreshold * FashionFixture.TestSecondHalfIntensity);
        using var scope = NewDisposeScope();
        using var batch = scenes.GetBatch(Enumerable.Range(0, scenes.Count).ToArray(), augment: false);
        var masks = batch.Masks!.data<float>().ToArray();
        for (int i = 0; i < scenes.Count; i++)
        {
            var image = scenes.GetDisplayImage(i);
            var items = scenes.GetItems(i);
            for (int y = 0; y < side; y++)
                for (int x = 0; x < side; x++)
                {
                    var classes = Enumerable.Range(0, 10).Where(k => masks[((i * 10 + k) * side + y) * side + x] == 1f).ToList();
                    foreach (int k in classes)
                    {
                        Assert.Contains(items, t => t.ClassIndex == k && x >= t.X && x < t.X + t.Size && y >= t.Y && y < t.Y + t.Size);
                        Assert.True(image[y * side + x] >= minMasked, $"scene {i} class {k}: mask pixel ({x},{y}) is darker than the threshold");
                    }
                    // Nothing but an item can be brighter than the background noise, and such pixels are masked.
                    if (image[y * side + x] > NoiseMax)
                        Assert.True(classes.Count > 0, $"scene {i}: bright pixel ({x},{y}) is in no mask");
                }
        }
    }

    [Theory]
    [InlineData(SplitKind.Train, FashionFixture.TrainIntensity)]
    [InlineData(SplitKind.Val, FashionFixture.TestFirstHalfIntensity)]
    [InlineData(SplitKind.Test, FashionFixture.TestSecondHalfIntensity)]
    public void ItemsComeFromTheSplitsOwnSourceImages(SplitKind split, byte intensity)
    {
        // The fixture paints train images, the first and the second half of the test file in different
        // intensities, so the pixels of a scene tell which file its items were taken from.
        var scenes = Scenes(split, count: 40);
        var (lo, hi) = split switch
        {
            SplitKind.Train => (0, source.Fixture.TrainCount),
            SplitKind.Val => (0, source.Fixture.TestCount / 2),
            _ => (source.Fixture.TestCount / 2, source.Fixture.TestCount),
        };
        int side = scenes.Shape.Width;
        for (int i = 0; i < scenes.Count; i++)
        {
            var image = scenes.GetDisplayImage(i);
            Assert.Equal(intensity, image.Max());
            foreach (var item in scenes.GetItems(i))
            {
                Assert.InRange(item.SourceIndex, lo, hi - 1);
                Assert.Equal(FashionFixture.LabelOf(item.SourceIndex), item.ClassIndex);
                var inBox = Enumerable.Range(item.Y, item.Size).SelectMany(y => Enumerable.Range(item.X, item.Size).Select(x => image[y * side + x]));
                Assert.Contains(intensity, inBox);
            }
        }
    }

    [Fact]
    public void ItemCountsAndOverlapsStayWithinTheOptions()
    {
        var options = new FashionScenesOptions { MinItems = 2, MaxItems = 4, MaxOverlap = 0.05 };
        var scenes = Scenes(SplitKind.Train, count: 60, options: options);
        var counts = new HashSet<int>();
        for (int i = 0; i < scenes.Count; i++)
        {
            var items = scenes.GetItems(i);
            counts.Add(items.Count);
            Assert.InRange(items.Count, 1, 4);
            foreach (var a in items)
            {
                Assert.InRange(a.Size, options.EffectiveMinItemSize, options.EffectiveMaxItemSize);
                Assert.True(a.X >= 0 && a.Y >= 0 && a.X + a.Size <= 64 && a.Y + a.Size <= 64);
                foreach (var b in items.Where(b => !ReferenceEquals(a, b)))
                {
                    int w = Math.Max(0, Math.Min(a.X + a.Size, b.X + b.Size) - Math.Max(a.X, b.X));
                    int h = Math.Max(0, Math.Min(a.Y + a.Size, b.Y + b.Size) - Math.Max(a.Y, b.Y));
                    int smaller = Math.Min(a.Size, b.Size);
                    Assert.True(w * h <= 0.05 * smaller * smaller, $"scene {i}: boxes overlap by {w * h} px");
                }
            }
        }
        Assert.Contains(4, counts);
        Assert.Contains(2, counts);
    }

    [Fact]
    public void BatchHoldsNormalisedImagesMultiHotLabelsAndMasks()
    {
        var scenes = Scenes(SplitKind.Val, count: 8);
        int[] indices = [5, 2, 7];
        using var scope = NewDisposeScope();
        using var batch = scenes.GetBatch(indices, augment: false);

        Assert.Equal(new long[] { 3, 1, 64, 64 }, batch.Images.shape);
        Assert.Equal(new long[] { 3, 10 }, batch.Labels.shape);
        Assert.Equal(new long[] { 3, 10, 64, 64 }, batch.Masks!.shape);
        Assert.Equal(indices, batch.Indices);
        var n = scenes.Normalization;
        var pixels = (batch.Images * n.Std[0] + n.Mean[0]).mul(255f).data<float>().ToArray();
        for (int j = 0; j < indices.Length; j++)
        {
            var display = scenes.GetDisplayImage(indices[j]);
            for (int p = 0; p < display.Length; p++) Assert.Equal(display[p], pixels[j * display.Length + p], 2e-3f);
        }
    }

    [Fact]
    public void AugmentationFlipsImageAndMasksTogether()
    {
        var scenes = Scenes(SplitKind.Train, count: 40);
        var all = Enumerable.Range(0, scenes.Count).ToArray();
        using var scope = NewDisposeScope();
        using var plain = scenes.GetBatch(all, augment: false);
        using var augmented = scenes.GetBatch(all, augment: true, new Random(11));
        using var again = scenes.GetBatch(all, augment: true, new Random(11));

        int flipped = 0;
        for (int j = 0; j < all.Length; j++)
        {
            var (img, mask) = (plain.Images[j], plain.Masks![j]);
            var (augImg, augMask) = (augmented.Images[j], augmented.Masks![j]);
            bool imageFlipped = Same(augImg, img.flip(2));
            bool imageKept = Same(augImg, img);
            Assert.True(imageFlipped ^ imageKept, $"item {j}: augmented image is neither the image nor its mirror");
            Assert.True(Same(augMask, imageFlipped ? mask.flip(2) : mask), $"item {j}: mask and image were not flipped together");
            if (imageFlipped) flipped++;
        }
        Assert.InRange(flipped, 1, all.Length - 1);
        Assert.True(Same(augmented.Images, again.Images) && Same(augmented.Masks!, again.Masks!));
        Assert.True(Same(augmented.Labels, plain.Labels));
    }

    [Fact]
    public void CanvasOptionSetsTheImageShapeAndScalesItemSizes()
    {
        var scenes = Scenes(SplitKind.Train, count: 10, options: new FashionScenesOptions { Canvas = 32 });
        Assert.Equal(new ImageShape(1, 32, 32), scenes.Shape);
        Assert.Equal(32 * 32, scenes.GetDisplayImage(0).Length);
        Assert.All(Enumerable.Range(0, 10).SelectMany(scenes.GetItems), t => Assert.InRange(t.Size, 10, 18));
    }

    [Theory]
    [InlineData(8, 1, 3, null, "canvas")]
    [InlineData(64, 0, 3, null, "MinItems")]
    [InlineData(64, 3, 2, null, "MaxItems")]
    [InlineData(64, 1, 3, 80, "item sizes")]
    public void UnworkableOptionsAreUsageErrors(int canvas, int minItems, int maxItems, int? maxItemSize, string named)
    {
        var options = new FashionScenesOptions { Canvas = canvas, MinItems = minItems, MaxItems = maxItems, MaxItemSize = maxItemSize };
        var e = Assert.Throws<UsageException>(() => Scenes(SplitKind.Train, count: 2, options: options));
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void DefaultNormalizationIsWhatTheDefaultTrainScenesMeasure()
    {
        // Recomputes the documented constants from the real Fashion-MNIST files: 8,000 default train scenes, seed 0.
        var scenes = new FashionScenesDataset(FashionMnist.Load(), SplitKind.Train, DatasetFactory.DefaultTrainScenes, seed: 0);
        double sum = 0, sumSq = 0;
        long n = 0;
        for (int i = 0; i < scenes.Count; i++)
            foreach (byte v in scenes.GetDisplayImage(i)) { double x = v / 255.0; sum += x; sumSq += x * x; n++; }
        double mean = sum / n, std = Math.Sqrt(sumSq / n - mean * mean);
        Assert.Equal(mean, FashionScenesDataset.DefaultNormalization.Mean[0], 5e-4);
        Assert.Equal(std, FashionScenesDataset.DefaultNormalization.Std[0], 5e-4);
    }
}
