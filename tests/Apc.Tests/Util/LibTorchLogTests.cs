using Apc.Util;

namespace Apc.Tests.Util;

public class LibTorchLogTests
{
    [Theory]
    [InlineData(null, 2)]
    [InlineData("", 2)]
    [InlineData("INFO", 0)]
    [InlineData("warning", 1)]
    [InlineData(" Error ", 2)]
    [InlineData("3", 3)]
    [InlineData("0", 0)]
    public void LevelReadsTheNamesAndDigitsPyTorchAccepts(string? value, int level) => Assert.Equal(level, LibTorchLog.Level(value));

    [Theory]
    [InlineData("VERBOSE")]
    [InlineData("4")]
    [InlineData("-1")]
    public void LevelOfAnUnknownValueIsNull(string value) => Assert.Null(LibTorchLog.Level(value));

    /// <summary>The flag is found in the libtorch this process loaded, and Apply writes the level the environment names.</summary>
    [Fact]
    public void ApplySetsTheLoadedLibTorchsLevel()
    {
        Assert.True(LibTorchLog.Apply());
        Assert.Equal(LibTorchLog.Level(Environment.GetEnvironmentVariable(LibTorchLog.Variable)), LibTorchLog.Current);
    }

    /// <summary>The command line starts with libtorch's warnings hidden: a training step on this machine, which made libtorch
    /// warn about NNPACK on CPUs it does not recognise, prints no libtorch log line ("[W…") unless TORCH_CPP_LOG_LEVEL asks.</summary>
    [Fact]
    public void ACommandPrintsNoLibTorchWarningLines()
    {
        using var dir = new TempFolder();
        var (code, output) = Apc.Tests.Cli.CliRunner.RunChild(new Dictionary<string, string?> { [LibTorchLog.Variable] = null },
            "train", "--arch", "vgg11-bn:w=1/16", "--epochs", "1", "--train-size", "64", "--val-size", "16", "--image-size", "32", "--out", dir.File("t"));
        Assert.True(code == 0, output);
        Assert.DoesNotMatch(@"(?m)^\[W\d{4} ", output);
    }
}
