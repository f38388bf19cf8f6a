using Apc.Data;

namespace Apc.Cli.Settings;

static class DataOptionsBuilder
{
    public static DataOptions Build(DataSettings s)
    {
        if (s.TrainSize is < 1) throw new UsageException($"--train-size must be at least 1 (got {s.TrainSize}).");
        if (s.ValSize is < 1) throw new UsageException($"--val-size must be at least 1 (got {s.ValSize}).");
        if (s.ImageSize is < 32 or > 1024) throw new UsageException($"--image-size must be in [32, 1024] (got {s.ImageSize}).");
        if (s.BatchSize < 1) throw new UsageException($"--batch-size must be at least 1 (got {s.BatchSize}).");
        return new DataOptions
        {
            Dataset = s.Dataset,
            DataRoot = s.DataRoot,
            TrainSize = s.TrainSize,
            ValSize = s.ValSize,
            ImageSize = s.ImageSize,
            Seed = s.Seed,
        };
    }
}
