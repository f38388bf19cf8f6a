namespace Apc.Tests.Compression;

/// <summary>Runs apc compress in-process on tiny data (returns the exit code and the error output), with a tiny teacher shared by the
/// compress command tests (fashion-scenes at 32 px, a few dozen images).</summary>
public sealed class CompressCli : IDisposable
{
    readonly TempFolder folder = new();

    public CompressCli()
    {
        TeacherPath = Path.Combine(folder.Path, "teacher", "model.ckpt");
        var (code, error) = Run("train", "--arch", "vgg11-bn:w=1/16", "--epochs", "1", "--lr-steps", "", "--out", Path.Combine(folder.Path, "teacher"));
        if (code != 0) throw new InvalidOperationException($"training the test teacher failed ({code}): {error}");
    }

    public string TeacherPath { get; }

    /// <summary>The data options every test run uses (tiny).</summary>
    public static readonly string[] Data =
        { "--dataset", "fashion-scenes", "--train-size", "32", "--val-size", "16", "--image-size", "32", "--batch-size", "16" };

    public static (int Code, string Error) Run(params string[] args)
    {
        var data = new List<string>();
        for (int i = 0; i < Data.Length; i += 2)
            if (!args.Contains(Data[i])) data.AddRange(Data.AsSpan(i, 2).ToArray()); // the caller's value wins
        return Apc.Tests.Cli.CliRunner.Run(args.Concat(data).ToArray());
    }

    public void Dispose() => folder.Dispose();
}
