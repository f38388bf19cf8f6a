using Apc.Util;

namespace Apc.Cli.Experiments;

/// <summary>The teacher that ships with apc (models/fashion-scenes-teacher.ckpt in the repository, copied next to the
/// tool when it is built): the network the demo and the study compress, so that they need not train one each time.
/// How it was trained, and what it scores, is in docs/results.md; <c>apc info</c> shows its provenance. Its SHA-256 is
/// fixed here and checked before use, so a replaced or damaged file is never taken for it.</summary>
public static class ShippedTeacher
{
    public const string FileName = "fashion-scenes-teacher.ckpt";

    /// <summary>SHA-256 of the committed checkpoint.</summary>
    public const string Sha256 = "b05dbbd30c5f730cf1fd442014d9439d71e42d8935d7b93162fc6c3227ad8c0c";

    /// <summary>The architecture it was trained with (for --retrain-teacher).</summary>
    public const string Arch = "vgg16-bn:w=1/4:skip-pools=4";
    public const int Epochs = 12;
    public const double Lr = 0.05;
    public const string LrSteps = "8,11";
    public const int TrainSize = 8000;

    /// <summary>Where the tool finds it: models/ of the repository the tool was built in (the file a user knows, and the
    /// one the messages name), else the copy next to the built tool (an installed build without its repository). Both
    /// are checked against <see cref="Sha256"/> before use.</summary>
    public static string Path => InRepository(AppContext.BaseDirectory) ?? System.IO.Path.Combine(AppContext.BaseDirectory, "models", FileName);

    /// <summary>models/<see cref="FileName"/> of the nearest folder above <paramref name="start"/> that holds Apc.sln
    /// beside it; null when there is none.</summary>
    public static string? InRepository(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Apc.sln")))
                return File.Exists(System.IO.Path.Combine(dir.FullName, "models", FileName)) ? System.IO.Path.Combine(dir.FullName, "models", FileName) : null;
        return null;
    }

    /// <summary>The path, after checking that the file is the committed one.</summary>
    /// <exception cref="ApcException">The file is missing or its content is not the committed checkpoint's.</exception>
    public static string Verified() => Verified(Path);

    /// <summary><paramref name="path"/>, after checking that the file there is the committed teacher.</summary>
    public static string Verified(string path)
    {
        if (!File.Exists(path))
            throw new ApcException($"the shipped teacher '{path}' is missing (it is copied from models/{FileName} when apc is built); " +
                "rebuild apc, or pass --retrain-teacher to train one.");
        var actual = FileChecksum.Sha256(path);
        if (actual != Sha256)
            throw new ApcException($"the shipped teacher '{path}' is not the committed one (SHA-256 {actual[..12]}…, expected {Sha256[..12]}…); " +
                $"restore models/{FileName} from the repository and rebuild, or pass --retrain-teacher.");
        return path;
    }
}
