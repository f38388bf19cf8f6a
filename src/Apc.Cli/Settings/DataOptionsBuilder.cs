using Apc.Data;

namespace Apc.Cli.Settings;

static class DataOptionsBuilder
{
    /// <summary>Largest batch a run may ask for. One batch of 4,096 images at the largest --image-size (1024 px, 3 channels,
    /// float32) is 48 GiB of input alone; beyond that no machine apc runs on would cope.</summary>
    public const int MaxBatchSize = 4096;

    /// <summary>Largest generated data set: fashion-scenes are built in memory (64 px grey: 16 KiB each), so a million
    /// already needs 16 GB.</summary>
    public const int MaxSplitSize = 1_000_000;

    public static void CheckBounds(DataSettings s)
    {
        if (s.TrainSize is < 1 or > MaxSplitSize) throw new UsageException($"--train-size must be in [1, {MaxSplitSize}] (got {s.TrainSize}).");
        if (s.ValSize is < 1 or > MaxSplitSize) throw new UsageException($"--val-size must be in [1, {MaxSplitSize}] (got {s.ValSize}).");
        if (s.TestSize is < 1 or > MaxSplitSize) throw new UsageException($"--test-size must be in [1, {MaxSplitSize}] (got {s.TestSize}).");
        if (s.ImageSize is < 32 or > 1024) throw new UsageException($"--image-size must be in [32, 1024] (got {s.ImageSize}).");
        if (s.BatchSize is < 1 or > MaxBatchSize)
            throw new UsageException($"--batch-size must be in [1, {MaxBatchSize}] (got {s.BatchSize}); a bigger batch does not fit this or any machine's memory.");
        if (s.Seed < 0) throw new UsageException($"--seed must be a non-negative integer (got {s.Seed}), as demo's and a plan's seeds are.");
        if (string.IsNullOrWhiteSpace(s.Dataset)) throw new UsageException("--dataset: give fashion-scenes or voc:<VOC2012 folder>.");
        if (s.DataRoot is not null && s.Dataset.Trim().StartsWith("voc:", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--data-root is for fashion-scenes; with --dataset {s.Dataset} the folder is the part after 'voc:'. Give one of them.");
    }

    public static DataOptions Build(DataSettings s)
    {
        CheckBounds(s);
        return new DataOptions
        {
            Dataset = s.Dataset,
            DataRoot = s.DataRoot,
            TrainSize = s.TrainSize,
            ValSize = s.ValSize,
            TestSize = s.TestSize,
            ImageSize = s.ImageSize,
            Seed = s.Seed,
        };
    }
}
