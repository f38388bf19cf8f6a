using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Apc.Util;

namespace Apc.Data;

/// <summary>What a run's data are, for its fingerprint: the data set's kind, sizes, image size and composition seed,
/// and the content of its source files (Fashion-MNIST: the SHA-256 of the four IDX files; VOC: the resolved folder and
/// the SHA-256 of its image lists), so that another copy of the same files gives the same identity and changed files a
/// different one.</summary>
public static class DataIdentity
{
    static readonly ConcurrentDictionary<string, string> Cache = new();

    /// <param name="options">The options the run opens its data with.</param>
    /// <param name="data">The opened splits (their actual sizes and shape are recorded).</param>
    public static JsonObject Of(DataOptions options, DataSplits data)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        var spec = options.Dataset.Trim();
        var identity = new JsonObject
        {
            ["dataset"] = spec.StartsWith(DatasetFactory.VocPrefix, StringComparison.Ordinal) ? "voc" : spec,
            ["train_size"] = data.Train.Count,
            ["val_size"] = data.Val.Count,
            ["shape"] = data.Train.Shape.ToString(),
            ["seed"] = options.Seed,
        };
        if (spec == DatasetFactory.FashionScenes)
        {
            identity["scenes"] = System.Text.Json.JsonSerializer.SerializeToNode(
                options.ImageSize is int size ? options.Scenes with { Canvas = size } : options.Scenes);
            identity["files"] = Checksums(FashionMnist.Files(options.DataRoot));
        }
        else
        {
            var root = spec[DatasetFactory.VocPrefix.Length..];
            identity["root"] = Path.GetFullPath(root);
            var lists = Directory.Exists(root)
                ? Directory.EnumerateFiles(root, "*.txt", SearchOption.AllDirectories).Where(f => f.Contains("ImageSets", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList()
                : new List<string>();
            identity["files"] = Checksums(lists);
        }
        return identity;
    }

    static string Checksums(IEnumerable<string> files) =>
        string.Join(",", files.Select(f => Cache.GetOrAdd(Path.GetFullPath(f) + "|" + File.GetLastWriteTimeUtc(f).Ticks + "|" + new FileInfo(f).Length,
            _ => FileChecksum.Sha256(f))[..16]));
}
