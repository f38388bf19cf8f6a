namespace Apc.Data;

/// <summary>The Fashion-MNIST data set (Xiao et al. 2017): 60,000 training and 10,000 test images of 28x28
/// grey-scale clothing items in 10 classes, read from the four standard IDX files (raw or .gz).</summary>
public sealed class FashionMnist
{
    /// <summary>Where Debian's package <c>dataset-fashion-mnist</c> installs the files.</summary>
    public const string DefaultFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The 10 class names in label order.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
    [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ];

    /// <summary>File names of the Fashion-MNIST IDX files.</summary>
    public const string TrainImagesName = "train-images-idx3-ubyte";
    /// <summary>See <see cref="TrainImagesName"/>.</summary>
    public const string TrainLabelsName = "train-labels-idx1-ubyte";
    /// <summary>See <see cref="TrainImagesName"/>.</summary>
    public const string TestImagesName = "t10k-images-idx3-ubyte";
    /// <summary>See <see cref="TrainImagesName"/>.</summary>
    public const string TestLabelsName = "t10k-labels-idx1-ubyte";

    /// <summary>What to do about missing files: where the default folder comes from, or, when the user named the
    /// folder (--data-root), what that folder must hold; telling them to pass --data-root again would not help.</summary>
    private static string Hint(bool given) => given
        ? $"--data-root must name the folder holding {TrainImagesName}, {TrainLabelsName}, {TestImagesName} and {TestLabelsName} (each raw or .gz)."
        : "Install the Debian package dataset-fashion-mnist or pass --data-root DIR.";

    private FashionMnist(string folder, LabelledImages train, LabelledImages test)
    {
        Folder = folder; Train = train; Test = test;
    }

    /// <summary>The folder the files were read from.</summary>
    public string Folder { get; }
    /// <summary>The 60,000 training items.</summary>
    public LabelledImages Train { get; }
    /// <summary>The 10,000 test items.</summary>
    public LabelledImages Test { get; }

    /// <summary>Loads the four files from <paramref name="folder"/> (null: <see cref="DefaultFolder"/>). For each
    /// file the name with ".gz" is preferred, the raw name is accepted. Throws <see cref="ApcException"/> with
    /// one line naming the folder or file when something is missing or malformed.</summary>
    public static FashionMnist Load(string? folder = null)
    {
        bool given = folder is not null;
        folder ??= DefaultFolder;
        if (File.Exists(folder)) Util.InputPath.RequireFolder(folder, "Fashion-MNIST folder (--data-root)", "the folder holding the IDX files");
        if (!Directory.Exists(folder))
            throw new ApcException($"Fashion-MNIST folder '{folder}': folder not found. {Hint(given)}");
        LabelledImages train = null!, test = null!;
        // The two halves decompress independently; doing them side by side halves the start-up wait.
        ParallelWork.Invoke(
            () => train = LoadPair(folder, TrainImagesName, TrainLabelsName, given),
            () => test = LoadPair(folder, TestImagesName, TestLabelsName, given));
        if (train.Height != test.Height || train.Width != test.Width)
            throw new ApcException($"Fashion-MNIST files in '{folder}' disagree on the image size: train {train.Height}x{train.Width}, test {test.Height}x{test.Width}.");
        return new FashionMnist(folder, train, test);
    }

    private static LabelledImages LoadPair(string folder, string imagesName, string labelsName, bool given)
    {
        var images = IdxReader.Read(Locate(folder, imagesName, given), expectedDimensions: 3);
        var labels = IdxReader.Read(Locate(folder, labelsName, given), expectedDimensions: 1);
        if (images.Dimensions[0] != labels.Dimensions[0])
            throw new ApcException($"Fashion-MNIST files disagree: {images.Path} holds {images.Dimensions[0]} images but {labels.Path} holds {labels.Dimensions[0]} labels.");
        int bad = Array.FindIndex(labels.Data, l => l >= ClassNames.Count);
        if (bad >= 0)
            throw new ApcException($"Fashion-MNIST file {labels.Path} has label {labels.Data[bad]} at item {bad}; labels must be 0 to {ClassNames.Count - 1}.");
        return new LabelledImages(images.Data, labels.Data, images.Dimensions[1], images.Dimensions[2]);
    }

    /// <summary>The four files <see cref="Load"/> reads from <paramref name="folder"/> (null: <see cref="DefaultFolder"/>),
    /// in the order train images, train labels, test images, test labels.</summary>
    public static IReadOnlyList<string> Files(string? folder = null)
    {
        bool given = folder is not null;
        folder ??= DefaultFolder;
        if (!Directory.Exists(folder))
            throw new ApcException($"Fashion-MNIST folder '{folder}': folder not found. {Hint(given)}");
        return new[] { TrainImagesName, TrainLabelsName, TestImagesName, TestLabelsName }.Select(n => Locate(folder, n, given)).ToArray();
    }

    private static string Locate(string folder, string name, bool given)
    {
        foreach (var candidate in new[] { name + ".gz", name })
        {
            string path = Path.Combine(folder, candidate);
            if (File.Exists(path)) return path;
        }
        throw new ApcException($"Fashion-MNIST folder '{folder}': file {name}(.gz) not found. {Hint(given)}");
    }
}
