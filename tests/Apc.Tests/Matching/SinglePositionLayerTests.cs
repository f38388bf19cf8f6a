using Apc.Matching;
using Apc.Models;

namespace Apc.Tests.Matching;

/// <summary>A matching layer whose map has one position: matching there changes nothing, and compress warns.</summary>
public class SinglePositionLayerTests
{
    static ClassifierNet Net(string arch, int size) => ModelFactory.Create(new ModelConfig(ArchSpec.Parse(arch), 1, 10, size));

    [Fact]
    public void TheLastPoolOfAVggAt32PixelsIsOnePositionAndTheShippedGeometryIsNot()
    {
        var matcher = new WcamMatcher(new MatcherOptions(MatchingKind.Wcam, Weight: 1));
        using (var small = Net("vgg11-bn:w=1/16", 32))
            Assert.Equal([small.DefaultMatchingLayer], matcher.SinglePositionLayers(small)); // 32 px halved 5 times: 1×1
        using (var shipped = Net("vgg16-bn:w=1/16:skip-pools=4", 64))
            Assert.Empty(matcher.SinglePositionLayers(shipped)); // 64 px halved 4 times: 4×4
    }

    [Fact]
    public void CompressWarnsWhenItWouldMatchAOnePositionMap()
    {
        using var dir = new TempFolder();
        var (code, error) = Apc.Tests.Cli.CliRunner.RunChild(Apc.Tests.Cli.CliRunner.TinyTrain(dir.File("t"), "--epochs", "1"));
        Assert.True(code == 0, error);
        (code, error) = Apc.Tests.Cli.CliRunner.RunChild("compress", "structured", "--teacher", Path.Combine(dir.File("t"), "model.ckpt"), "--match", "wcam",
            "--epochs", "1", "--train-size", "32", "--val-size", "16", "--batch-size", "16", "--out", dir.File("c"));
        Assert.True(code == 0, error);
        Assert.Contains("gives a 1x1 map at 32 px", error);
        Assert.Contains("matching there changes nothing", error);
    }
}
