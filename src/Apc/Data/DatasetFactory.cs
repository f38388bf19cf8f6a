namespace Apc.Data;

/// <summary>Opens the data set a <see cref="DataOptions"/> names.</summary>
public static class DatasetFactory
{
    /// <summary>The name of the generated data set.</summary>
    public const string FashionScenes = "fashion-scenes";
    /// <summary>The prefix of a PASCAL VOC folder in --dataset.</summary>
    public const string VocPrefix = "voc:";
    /// <summary>Default numbers of fashion-scenes items per split.</summary>
    public const int DefaultTrainScenes = 8000, DefaultValScenes = 1000, DefaultTestScenes = 1000;

    /// <summary>The accepted forms of <see cref="DataOptions.Dataset"/>, for help texts and errors.</summary>
    public const string ValidForms = "fashion-scenes, voc:DIR (DIR = the VOC2012 folder)";

    /// <summary>The splits <paramref name="options"/> describe; an unknown data set or missing files are an error naming them.</summary>
    public static DataSplits Open(DataOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckSize(options.TrainSize, "train");
        CheckSize(options.ValSize, "val");
        CheckSize(options.TestSize, "test");
        string spec = options.Dataset?.Trim() ?? "";
        if (spec == FashionScenes) return OpenFashionScenes(options);
        if (spec.StartsWith(VocPrefix, StringComparison.Ordinal) && spec.Length > VocPrefix.Length)
            return OpenVoc(spec[VocPrefix.Length..], options);
        throw new UsageException($"unknown data set '{options.Dataset}'; valid forms: {ValidForms}.");
    }

    private static DataSplits OpenFashionScenes(DataOptions options)
    {
        var scenes = options.ImageSize is int size ? options.Scenes with { Canvas = size } : options.Scenes;
        scenes.Validate();   // before the slow load, so a bad option fails at once
        var source = FashionMnist.Load(options.DataRoot);
        return new DataSplits(
            new FashionScenesDataset(source, SplitKind.Train, options.TrainSize ?? DefaultTrainScenes, options.Seed, scenes),
            new FashionScenesDataset(source, SplitKind.Val, options.ValSize ?? DefaultValScenes, options.Seed, scenes),
            new FashionScenesDataset(source, SplitKind.Test, options.TestSize ?? DefaultTestScenes, options.Seed, scenes));
    }

    private static DataSplits OpenVoc(string root, DataOptions options)
    {
        root = ResolveVocRoot(root);
        int size = options.ImageSize ?? VocDataset.DefaultImageSize;
        var test = File.Exists(VocDataset.ListFile(root, VocSplit.SegVal))
            ? new VocDataset(root, VocSplit.SegVal, size, options.TestSize)
            : null;
        return new DataSplits(
            new VocDataset(root, VocSplit.Train, size, options.TrainSize),
            new VocDataset(root, VocSplit.Val, size, options.ValSize),
            test);
    }

    /// <summary>Accepts the VOC2012 folder itself or a folder above it (VOCdevkit, or the folder holding
    /// VOCdevkit), as the official archive unpacks to VOCdevkit/VOC2012.</summary>
    private static string ResolveVocRoot(string root)
    {
        foreach (var candidate in new[] { root, Path.Combine(root, "VOC2012"), Path.Combine(root, "VOCdevkit", "VOC2012") })
            if (Directory.Exists(Path.Combine(candidate, "JPEGImages"))) return candidate;
        if (File.Exists(root)) Util.InputPath.RequireFolder(root, "VOC folder", "the VOC2012 folder");
        if (!Directory.Exists(root))
            throw new ApcException($"VOC folder '{root}': folder not found.");
        throw new ApcException($"VOC folder '{root}' has no JPEGImages folder (nor VOC2012/ or VOCdevkit/VOC2012/ below it); pass the VOC2012 folder.");
    }

    private static void CheckSize(int? size, string split)
    {
        if (size is < 1)
            throw new UsageException($"{split} size {size} must be at least 1 (or left unset for the data set's default).");
    }
}
