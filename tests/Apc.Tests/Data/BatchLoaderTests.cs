using System.Collections.Concurrent;
using Apc.Data;
using static Apc.Tests.Data.TensorCompare;
using static TorchSharp.torch;

namespace Apc.Tests.Data;

public class BatchLoaderTests(FashionSource source) : IClassFixture<FashionSource>
{
    [Fact]
    public void EpochOrderIsAPermutationFixedBySeedAndEpoch()
    {
        var order = BatchLoader.EpochOrder(50, seed: 1, epoch: 0, shuffle: true);
        Assert.Equal(Enumerable.Range(0, 50), order.Order());
        Assert.Equal(order, BatchLoader.EpochOrder(50, seed: 1, epoch: 0, shuffle: true));
        Assert.NotEqual(order, BatchLoader.EpochOrder(50, seed: 1, epoch: 1, shuffle: true));
        Assert.NotEqual(order, BatchLoader.EpochOrder(50, seed: 2, epoch: 0, shuffle: true));
        Assert.Equal(Enumerable.Range(0, 50), BatchLoader.EpochOrder(50, seed: 1, epoch: 3, shuffle: false));
    }

    [Fact]
    public void YieldsEveryIndexOnceInTheGivenOrder()
    {
        var scenes = new FashionScenesDataset(source.Mnist, SplitKind.Val, 23, seed: 0);
        var order = BatchLoader.EpochOrder(23, seed: 4, epoch: 2, shuffle: true);
        var seen = new List<int>();
        var sizes = new List<int>();
        foreach (var batch in BatchLoader.Iterate(scenes, order, batchSize: 5, augment: false, seed: 4, epoch: 2))
            using (batch)
            {
                seen.AddRange(batch.Indices);
                sizes.Add(batch.Size);
                Assert.Equal(batch.Size, batch.Images.shape[0]);
            }
        Assert.Equal(order, seen);
        Assert.Equal([5, 5, 5, 5, 3], sizes);
    }

    [Fact]
    public void BatchesEqualDirectGetBatchWithTheDerivedGenerator()
    {
        var scenes = new FashionScenesDataset(source.Mnist, SplitKind.Train, 30, seed: 0);
        var order = BatchLoader.EpochOrder(30, seed: 9, epoch: 1, shuffle: true);
        int i = 0;
        foreach (var batch in BatchLoader.Iterate(scenes, order, batchSize: 8, augment: true, seed: 9, epoch: 1))
            using (batch)
            using (var scope = NewDisposeScope())
            {
                using var direct = scenes.GetBatch(BatchLoader.BatchIndices(order, 8, i), augment: true, BatchLoader.BatchRandom(9, 1, i));
                Assert.True(Same(batch.Images, direct.Images), $"batch {i} images");
                Assert.True(Same(batch.Masks!, direct.Masks!), $"batch {i} masks");
                Assert.True(Same(batch.Labels, direct.Labels), $"batch {i} labels");
                i++;
            }
        Assert.Equal(BatchLoader.BatchCount(30, 8), i);
    }

    [Fact]
    public void WithoutMasksBatchesCarryNone()
    {
        var scenes = new FashionScenesDataset(source.Mnist, SplitKind.Train, 10, seed: 0);
        foreach (var batch in BatchLoader.Iterate(scenes, BatchLoader.EpochOrder(10, 0, 0, false), 4, augment: true, seed: 0, epoch: 0, withMasks: false))
            using (batch)
                Assert.Null(batch.Masks);
    }

    [Fact]
    public void LeavingEarlyStopsTheBackgroundWorkAndDisposesPreparedBatches()
    {
        var counting = new CountingDataset(count: 100);
        foreach (var batch in BatchLoader.Iterate(counting, BatchLoader.EpochOrder(100, 0, 0, false), 2, false, 0, 0, prefetch: 2))
        {
            using (batch) { }
            // Give the producer time to fill the queue before leaving.
            Thread.Sleep(100);
            break;
        }
        int made = counting.Made.Count;
        Thread.Sleep(100);
        Assert.Equal(made, counting.Made.Count);          // no work after the loop ended
        Assert.InRange(made, 1, 1 + 2 + 1);               // consumed + queued + one in hand
        Assert.All(counting.Made, b => Assert.True(b.Images.IsInvalid, "a prepared batch was not disposed"));
    }

    [Fact]
    public void LoadingErrorReachesTheConsumerUnchanged()
    {
        var failing = new CountingDataset(count: 10, failAtBatch: 2);
        int received = 0;
        var e = Assert.Throws<ApcException>(() =>
        {
            foreach (var batch in BatchLoader.Iterate(failing, BatchLoader.EpochOrder(10, 0, 0, false), 2, false, 0, 0))
                using (batch) received++;
        });
        Assert.Equal(CountingDataset.FailureMessage, e.Message);
        Assert.Equal(2, received);
    }

    [Fact]
    public void LoaderThreadRunsTorchSingleThreadedWithoutChangingOtherThreads()
    {
        int FreshThreadSetting()
        {
            int n = 0;
            var t = new Thread(() => n = get_num_threads());
            t.Start(); t.Join();
            return n;
        }
        int mine = get_num_threads(), fresh = FreshThreadSetting();
        var seen = new ConcurrentBag<int>();
        var probe = new ProbeDataset(() => seen.Add(get_num_threads()));
        foreach (var batch in BatchLoader.Iterate(probe, [0, 1, 2], 1, false, 0, 0)) batch.Dispose();

        Assert.All(seen, n => Assert.Equal(1, n));
        Assert.Equal(mine, get_num_threads());
        Assert.Equal(fresh, FreshThreadSetting());
    }

    [Fact]
    public void IndexOutsideTheDataSetIsRejectedBeforeAnyWork()
    {
        var counting = new CountingDataset(count: 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => BatchLoader.Iterate(counting, [0, 5], 2, false, 0, 0));
        Assert.Empty(counting.Made);
    }

    /// <summary>Runs an action inside every GetBatch call.</summary>
    private sealed class ProbeDataset(Action probe) : IDataset
    {
        public string Name => "probe";
        public int Count => 3;
        public IReadOnlyList<string> ClassNames => ["a"];
        public ImageShape Shape => new(1, 1, 1);
        public Normalization Normalization => Normalization.Identity(1);
        public bool HasMasks => false;
        public Batch GetBatch(IReadOnlyList<int> indices, bool augment, Random? rng = null)
        {
            probe();
            return new Batch(zeros(indices.Count, 1, 1, 1), zeros(indices.Count, 1), null, indices.ToArray());
        }
        public byte[] GetDisplayImage(int index) => [0];
    }

    /// <summary>Makes 1x1 batches and remembers them, to observe what the loader creates and disposes.</summary>
    private sealed class CountingDataset(int count, int failAtBatch = -1) : IDataset
    {
        public const string FailureMessage = "image file x.jpg is damaged.";
        public ConcurrentQueue<Batch> Made { get; } = new();
        private int _calls;

        public string Name => "counting";
        public int Count => count;
        public IReadOnlyList<string> ClassNames => ["a"];
        public ImageShape Shape => new(1, 1, 1);
        public Normalization Normalization => Normalization.Identity(1);
        public bool HasMasks => false;

        public Batch GetBatch(IReadOnlyList<int> indices, bool augment, Random? rng = null)
        {
            if (Interlocked.Increment(ref _calls) - 1 == failAtBatch) throw new ApcException(FailureMessage);
            var batch = new Batch(zeros(indices.Count, 1, 1, 1), zeros(indices.Count, 1), null, indices.ToArray());
            Made.Enqueue(batch);
            return batch;
        }

        public byte[] GetDisplayImage(int index) => [0];
    }
}
