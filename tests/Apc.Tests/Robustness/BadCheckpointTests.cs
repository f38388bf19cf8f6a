using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Data;
using Apc.Models;
using Apc.Tests.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Robustness;

/// <summary>Checkpoints crafted with a valid checksum but a lying header: every one is refused before a tensor is
/// allocated, with one line that names the file (exit 1, no stack trace).</summary>
public class BadCheckpointTests
{
    static CheckpointInfo Info() => new("teacher", "vgg11-bn:w=1/16", 1, 3, 32, new[] { "a", "b", "c" },
        new Normalization(new[] { 0.5f }, new[] { 0.25f }), "fashion-scenes",
        CheckpointInfo.MakeProvenance("apc train", 0, null), new JsonObject());

    /// <summary>Writes the checkpoint format by hand: magic, version, header, tensor table, then a correct SHA-256.</summary>
    internal static void Craft(string path, object header, params (string Name, int Dtype, long[] Shape, byte[] Data)[] tensors)
    {
        var body = new MemoryStream();
        using (var w = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Encoding.ASCII.GetBytes("APCCKPT\n"));
            w.Write(CheckpointInfo.FormatVersion);
            var json = JsonSerializer.SerializeToUtf8Bytes(header, CheckpointFile.Json);
            w.Write(json.Length);
            w.Write(json);
            w.Write(tensors.Length);
            foreach (var t in tensors)
            {
                w.Write(t.Name);
                w.Write(t.Dtype);
                w.Write(t.Shape.Length);
                foreach (var d in t.Shape) w.Write(d);
                w.Write(t.Data);
            }
        }
        var bytes = body.ToArray();
        File.WriteAllBytes(path, bytes.Concat(SHA256.HashData(bytes)).ToArray());
    }

    static void AssertRefused(string path, string expected)
    {
        var (code, error) = CliRunner.Run("info", path);
        Assert.Equal(1, code);
        Assert.Contains($"checkpoint '{path}'", error);
        Assert.Contains(expected, error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", error); // no stack trace without --verbose
        Assert.DoesNotContain("libtorch", error, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(new long[] { -3, 4 }, 6, "negative dimension -3")]
    [InlineData(new long[] { 1_000_000_000_000, 1_000_000_000_000 }, 6, "more bytes than any file holds")]
    [InlineData(new long[] { 1_000_000_000_000 }, 6, "4000000000000 bytes, but only 16 remain")]
    [InlineData(new long[] { 2, 2 }, 77, "unknown dtype id 77")]
    [InlineData(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }, 6, "12 dimensions")]
    public void LyingTensorTablesAreRefusedBeforeAllocation(long[] shape, int dtype, string expected)
    {
        using var dir = new TempFolder();
        var path = dir.File("crafted.ckpt");
        Craft(path, Info(), ("model/x", dtype, shape, new byte[16]));
        AssertRefused(path, expected);
    }

    [Fact]
    public void ADtypeThatDoesNotMatchTheByteCountIsRefused()
    {
        using var dir = new TempFolder();
        var path = dir.File("dtype.ckpt");
        // float64 [4] needs 32 bytes; the file holds the 16 bytes of a float32 [4].
        Craft(path, Info(), ("model/x", (int)ScalarType.Float64, new long[] { 4 }, new byte[16]));
        AssertRefused(path, "32 bytes, but only 16 remain");
        // int8 [4] needs 4 of the 16 bytes: the rest is trailing data.
        Craft(path, Info(), ("model/x", (int)ScalarType.Int8, new long[] { 4 }, new byte[16]));
        AssertRefused(path, "12 bytes after the last tensor");
    }

    [Fact]
    public void InconsistentHeadersAreRefused()
    {
        using var dir = new TempFolder();
        var path = dir.File("header.ckpt");
        var cases = new (CheckpointInfo Info, string Expected)[]
        {
            (Info() with { ClassNames = new[] { "a", "b" } }, "2 class_names for num_classes 3"),
            (Info() with { Normalization = new Normalization(new[] { 0.5f }, new[] { 0f }) }, "normalization std [0] must be positive"),
            (Info() with { Normalization = new Normalization(new[] { 0.5f, 0.5f, 0.5f }, new[] { 0.25f }) }, "normalization mean has 3 values for in_channels 1"),
            (Info() with { ImageSize = 8 }, "image_size 8 is outside"),
            (Info() with { NumClasses = -1 }, "num_classes -1"),
        };
        foreach (var (info, expected) in cases)
        {
            Craft(path, info);
            AssertRefused(path, expected);
        }
        var header = JsonSerializer.SerializeToNode(Info(), CheckpointFile.Json)!.AsObject();
        header["arch"] = "alexnet";
        Craft(path, header);
        AssertRefused(path, "header 'arch' is invalid");
        // A header that is not a JSON object at all.
        Craft(path, new[] { 1, 2, 3 });
        AssertRefused(path, "corrupt");
    }

    [Fact]
    public void ImageSizeProblemsInAFileBlameTheFileNotTheOption()
    {
        using var dir = new TempFolder();
        var path = dir.File("small.ckpt");
        // 33 px passes the generic bound but not a VGG with a 5th pooling of a 1-pixel map... build any model that fits, then lie.
        torch.manual_seed(0);
        using var model = ModelFactory.Create(new ModelConfig(ArchSpec.Parse("vgg11-bn:w=1/16"), 1, 3, 32));
        ModelCheckpoint.Save(path, Info(), model);
        var (info, tensors) = CheckpointFile.Read(path);
        CheckpointFile.Write(path, info with { ImageSize = 16 }, tensors);
        foreach (var t in tensors.Values) t.Dispose();
        var (code, error) = CliRunner.Run("info", path);
        Assert.Equal(1, code);
        Assert.Contains("image_size 16", error);
        Assert.DoesNotContain("--image-size", error);
    }

    [Fact]
    public async Task AFolderOrAFifoGivenAsACheckpointIsNamedForWhatItIs()
    {
        using var dir = new TempFolder();
        Directory.CreateDirectory(dir.File("folder.ckpt"));
        var (code, error) = CliRunner.Run("info", dir.File("folder.ckpt"));
        Assert.Equal(1, code);
        Assert.Contains("is a folder, expected a checkpoint file", error);

        if (OperatingSystem.IsWindows()) return;
        var fifo = dir.File("pipe.ckpt");
        using (var mk = System.Diagnostics.Process.Start("mkfifo", fifo)) mk.WaitForExit();
        // A blocking read would hang here; WaitAsync turns that into a failure after two minutes.
        (code, error) = await Task.Run(() => CliRunner.Run("info", fifo)).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(1, code);
        Assert.Contains("is a FIFO, not a regular file", error);
    }
}
