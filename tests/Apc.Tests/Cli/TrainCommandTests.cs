using System.Text.Json.Nodes;
using Apc.Checkpoints;

namespace Apc.Tests.Cli;

public class TrainCommandTests
{
    [Fact]
    public void TrainWritesACheckpointAndMetricsThatInfoCanRead()
    {
        using var dir = new TempFolder();
        var (code, error) = CliRunner.Run(CliRunner.TinyTrain(dir.Path));
        Assert.True(code == 0, error);
        var metrics = JsonNode.Parse(File.ReadAllText(dir.File("metrics.json")))!;
        foreach (var key in new[] { "map_per_class", "map_per_image", "f1", "accuracy" })
            Assert.InRange(metrics[key]!.GetValue<double>(), 0, 1);
        Assert.Equal(0, CliRunner.Run("info", dir.File("model.ckpt")).Code);
        Assert.Equal(0, CliRunner.Run("info", dir.File("model.ckpt"), "--format", "json").Code);
    }

    [Theory]
    [InlineData(2, "unknown architecture 'vgg99'", "--arch", "vgg99")]
    [InlineData(2, "--epochs must be at least 1", "--epochs", "0")]
    [InlineData(2, "--lr must be a positive number", "--lr", "-1")]
    [InlineData(2, "--momentum must be in [0, 1)", "--momentum", "1.5")]
    [InlineData(2, "--image-size must be in [32, 1024]", "--image-size", "8")]
    [InlineData(2, "--device 'tpu'", "--device", "tpu")]
    [InlineData(2, "unknown", "--dataset", "imagenet")]
    [InlineData(2, "--lr-steps", "--lr-steps", "a,b")]
    [InlineData(1, "Fashion-MNIST", "--data-root", "/nonexistent/fashion")]
    public void BadInputGivesOneClearLineAndTheRightExitCode(int expected, string fragment, params string[] options)
    {
        using var dir = new TempFolder();
        var (code, error) = CliRunner.Run(CliRunner.TinyTrain(dir.Path, options));
        Assert.Equal(expected, code);
        Assert.Contains(fragment, error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void UnknownOptionIsAUsageError()
    {
        var (code, error) = CliRunner.Run("train", "--no-such-option");
        Assert.Equal(2, code);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void UnwritableOutputFolderIsAClearError()
    {
        using var dir = new TempFolder();
        var blocker = dir.File("file");
        File.WriteAllText(blocker, "a file where a folder should go");
        var (code, error) = CliRunner.Run(CliRunner.TinyTrain(Path.Combine(blocker, "out")));
        Assert.Equal(1, code);
        Assert.Contains($"cannot be made: '{blocker}' is a file, not a folder", error);
    }

    [Fact]
    public void MissingOrCorruptCheckpointsAreNamedByInfo()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("x.ckpt"), "garbage");
        var (code, error) = CliRunner.Run("info", dir.File("x.ckpt"));
        Assert.Equal(1, code);
        Assert.Contains("x.ckpt", error);
        Assert.Equal(1, CliRunner.Run("info", dir.File("missing.ckpt")).Code);
    }

    [Fact]
    public void KilledMidEpochThenResumedEndsWithTheSameWeightsAsAnUninterruptedRun()
    {
        using var straight = new TempFolder();
        using var killed = new TempFolder();
        string[] Args(string dir) => CliRunner.TinyTrain(dir, "--epochs", "3", "--train-size", "1024", "--threads", "1");
        // Child processes, like the killed run: a long training in the test host shares its garbage collector with
        // every other test (an intermittent "Unknown scalar type" from libtorch was seen there, twice).
        var (code, error) = CliRunner.RunChild(Args(straight.Path));
        Assert.True(code == 0, $"uninterrupted run: exit {code}: {error}");

        // Start the same run in a child process and kill -9 it once epoch 1 has been saved and epoch 2 is under way.
        using (var process = CliRunner.Start(Args(killed.Path)))
        {
            var state = killed.File("train-state.ckpt");
            // Generous: on a loaded machine the child may take minutes to start; what matters is the file, not the time.
            var deadline = DateTime.UtcNow.AddMinutes(10);
            while (!File.Exists(state) && !process.HasExited && DateTime.UtcNow < deadline) Thread.Sleep(10);
            Assert.False(process.HasExited, "the child finished before it could be interrupted; make the run longer");
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        using (var partial = ModelCheckpoint.Load(killed.File("train-state.ckpt")))
            Assert.True(partial.Info.Metrics["completed_epoch"]!.GetValue<int>() < 3);

        (code, error) = CliRunner.RunChild(Args(killed.Path).Append("--resume").ToArray());
        Assert.True(code == 0, $"resumed run: exit {code}: {error}; folder holds {string.Join(", ", Directory.GetFileSystemEntries(killed.Path).Select(Path.GetFileName))}");
        using var a = ModelCheckpoint.Load(straight.File("train-state.ckpt"));
        using var b = ModelCheckpoint.Load(killed.File("train-state.ckpt"));
        foreach (var (key, value) in a.Model.state_dict())
            TensorAssert.Same(value, b.Model.state_dict()[key], key);
    }
}
