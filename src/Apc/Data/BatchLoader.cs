using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using static TorchSharp.torch;

namespace Apc.Data;

/// <summary>Walks a data set in batches for one epoch, preparing the next batches on a background thread so
/// that loading overlaps compute.</summary>
/// <remarks>Reproducible: batch i of an epoch is built with the random generator
/// <see cref="BatchRandom"/>(seed, epoch, i) whichever thread builds it and whenever, so results do not depend
/// on thread timing, and equal <c>dataset.GetBatch(BatchIndices(order, batchSize, i), augment, BatchRandom(seed, epoch, i), withMasks)</c>.</remarks>
public static class BatchLoader
{
    /// <summary>Batches prepared ahead of the consumer.</summary>
    public const int DefaultPrefetch = 2;

    private const int ShuffleStream = 0x5EED;

    /// <summary>The item order of an epoch: 0..count-1, or a permutation of it that depends only on
    /// (seed, epoch) when <paramref name="shuffle"/> is set.</summary>
    public static int[] EpochOrder(int count, int seed, int epoch, bool shuffle)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var order = Enumerable.Range(0, count).ToArray();
        if (shuffle) new Random(Seeds.Mix(seed, epoch, ShuffleStream)).Shuffle(order);
        return order;
    }

    /// <summary>The augmentation generator of batch <paramref name="batchIndex"/> of an epoch.</summary>
    public static Random BatchRandom(int seed, int epoch, int batchIndex) => new(Seeds.Mix(seed, epoch + 1, batchIndex));

    /// <summary>Yields the batches of <paramref name="order"/> in chunks of <paramref name="batchSize"/> (the last
    /// one may be smaller). Each batch belongs to the consumer, who disposes it. Leaving the loop early (disposing
    /// the enumerator) stops the background thread and disposes the batches it had prepared. An exception while
    /// loading (e.g. a damaged file) is rethrown to the consumer at the batch where it happened.
    /// With <paramref name="withMasks"/> false the batches carry no masks (faster; for training).</summary>
    public static IEnumerable<Batch> Iterate(IDataset dataset, int[] order, int batchSize, bool augment, int seed, int epoch,
        bool withMasks = true, int prefetch = DefaultPrefetch)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(order);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetch, 1);
        foreach (int i in order)
            if ((uint)i >= (uint)dataset.Count)
                throw new ArgumentOutOfRangeException(nameof(order), $"index {i} is outside {dataset.Name} ({dataset.Count} items).");
        // A private copy: the background thread must not see later changes the caller makes to the array.
        return IterateChecked(dataset, order.ToArray(), batchSize, augment, seed, epoch, withMasks, prefetch);
    }

    /// <summary>The indices of batch <paramref name="batchIndex"/> of <paramref name="order"/>.</summary>
    public static int[] BatchIndices(int[] order, int batchSize, int batchIndex)
    {
        int start = batchIndex * batchSize;
        return order.AsSpan(start, Math.Min(batchSize, order.Length - start)).ToArray();
    }

    /// <summary>How many batches of at most <paramref name="batchSize"/> hold <paramref name="count"/> items.</summary>
    public static int BatchCount(int count, int batchSize) => (count + batchSize - 1) / batchSize;

    /// <summary>Makes torch run this thread's operations on the thread itself. The loader shares a few cores with
    /// the training thread; a second team of intra-op threads would only make both wait on each other (PyTorch's
    /// DataLoader workers do the same).</summary>
    private static void UseOneIntraOpThread()
    {
        _ = Apc.Util.TorchThreads.Default;        // torch's own default, captured before any thread changes it
        int processDefault = get_num_threads();   // a fresh thread starts with the default of the process
        set_num_threads(1);
        // set_num_threads also changes the default that threads started later inherit; restore that from a
        // throwaway thread, which leaves this thread's own setting at 1.
        var restore = new Thread(() => set_num_threads(processDefault));
        restore.Start();
        restore.Join();
    }

    private static IEnumerable<Batch> IterateChecked(IDataset dataset, int[] order, int batchSize, bool augment, int seed,
        int epoch, bool withMasks, int prefetch)
    {
        int batches = BatchCount(order.Length, batchSize);
        using var queue = new BlockingCollection<Batch>(prefetch);
        using var stop = new CancellationTokenSource();
        ExceptionDispatchInfo? failure = null;
        var producer = new Thread(() =>
        {
            try
            {
                UseOneIntraOpThread();
                for (int i = 0; i < batches && !stop.IsCancellationRequested; i++)
                {
                    Batch batch;
                    using (NewDisposeScope())
                        batch = dataset.GetBatch(BatchIndices(order, batchSize, i), augment, BatchRandom(seed, epoch, i), withMasks)
                            .DetachFromDisposeScope();
                    try { queue.Add(batch, stop.Token); }
                    catch (OperationCanceledException) { batch.Dispose(); break; }
                }
            }
            catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
            finally { queue.CompleteAdding(); }
        })
        { IsBackground = true, Name = $"apc batch loader ({dataset.Name})" };
        producer.Start();
        try
        {
            foreach (var batch in queue.GetConsumingEnumerable())
                yield return batch;
            producer.Join();
            failure?.Throw();
        }
        finally
        {
            stop.Cancel();
            producer.Join();
            while (queue.TryTake(out var left)) left.Dispose();
        }
    }
}
