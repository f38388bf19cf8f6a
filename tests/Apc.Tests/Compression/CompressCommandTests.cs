using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Compression;
using Apc.Models;
using TorchSharp;

namespace Apc.Tests.Compression;

public class CompressCommandTests : IClassFixture<CompressCli>
{
    readonly CompressCli cli;
    public CompressCommandTests(CompressCli cli) { this.cli = cli; }

    static JsonObject Metrics(string dir) => JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json")))!.AsObject();

    [Fact]
    public void KdWritesTheStudentAndItsMetrics()
    {
        using var dir = new TempFolder();
        var (code, error) = CompressCli.Run("compress", "kd", "--teacher", cli.TeacherPath, "--student", "vgg11-bn:w=1/32",
            "--match", "wcam", "--drop", "0.3", "--epochs", "1", "--out", dir.Path);
        Assert.True(code == 0, error);

        var metrics = Metrics(dir.Path);
        foreach (var key in new[] { "method", "matcher", "parameters", "nonzero_parameters", "macs", "size_bytes", "map_per_class",
                     "map_per_image", "f1", "accuracy", "agreement", "latency_ms", "compression_ratio", "teacher", "provenance", "matching", "training" })
            Assert.True(metrics.ContainsKey(key), $"metrics.json lacks '{key}'");
        Assert.Equal("kd", metrics["method"]!.GetValue<string>());
        Assert.Equal("wcam+drop0.3", metrics["matcher"]!.GetValue<string>());
        Assert.True(metrics["latency_ms"]!["model"]!.GetValue<double>() > 0);
        Assert.True(metrics["latency_ms"]!["teacher"]!.GetValue<double>() > 0);
        Assert.InRange(metrics["agreement"]!.GetValue<double>(), 0, 1);

        var modelPath = Path.Combine(dir.Path, "model.ckpt");
        using var student = ModelCheckpoint.Load(modelPath);
        using var teacher = ModelCheckpoint.Load(cli.TeacherPath);
        Assert.Equal("kd", student.Info.Kind);
        Assert.Equal("vgg11-bn:w=1/32", student.Model.Arch.ToString());
        Assert.Equal(teacher.Info.ClassNames, student.Info.ClassNames);
        Assert.Equal(new FileInfo(modelPath).Length, metrics["size_bytes"]!.GetValue<long>());
        Assert.Equal(student.Model.ParameterCount(), metrics["parameters"]!.GetValue<long>());
        Assert.Equal(student.Model.MultiplyAccumulates(), metrics["macs"]!.GetValue<long>());
        Assert.Equal(teacher.Model.ParameterCount(), metrics["teacher"]!["parameters"]!.GetValue<long>());
        Assert.Equal((double)teacher.Model.ParameterCount() / student.Model.ParameterCount(),
            metrics["compression_ratio"]!["parameters"]!.GetValue<double>(), 9);
        Assert.Equal(1.0, metrics["teacher"]!["agreement"]!.GetValue<double>());
        Assert.Contains("compress kd", metrics["provenance"]!["command"]!.GetValue<string>());
        Assert.Equal(CompressionReport.LatencyRepeats, metrics["latency_ms"]!["repeats"]!.GetValue<int>());

        // --latency-repeats 0: the same student, its latency recorded as not measured (null), not as a number.
        using var unmeasured = new TempFolder();
        (code, error) = CompressCli.Run("compress", "kd", "--teacher", cli.TeacherPath, "--student", "vgg11-bn:w=1/32",
            "--match", "wcam", "--drop", "0.3", "--epochs", "1", "--latency-repeats", "0", "--out", unmeasured.Path);
        Assert.True(code == 0, error);
        var without = Metrics(unmeasured.Path);
        Assert.Null(without["latency_ms"]!["model"]);
        Assert.Null(without["latency_ms"]!["teacher"]);
        Assert.Equal(0, without["latency_ms"]!["repeats"]!.GetValue<int>());
        Assert.Null(without["compression_ratio"]!["latency"]);
        Assert.Equal(metrics["map_per_class"]!.GetValue<double>(), without["map_per_class"]!.GetValue<double>());
    }

    [Fact]
    public void PipelineChainsStagesWritesFoldersAndResumesFinishedOnes()
    {
        using var dir = new TempFolder();
        string[] args = { "compress", "pipeline", "--stages", "kd,quantize", "--teacher", cli.TeacherPath, "--student", "vgg11-bn:w=1/32",
            "--match", "at", "--epochs", "1", "--no-qat", "--bits", "4", "--calibration-images", "16", "--out", dir.Path };
        var (code, error) = CompressCli.Run(args);
        Assert.True(code == 0, error);

        var first = Path.Combine(dir.Path, "stage-1-kd");
        var second = Path.Combine(dir.Path, "stage-2-quantize");
        foreach (var stage in new[] { first, second })
        {
            Assert.True(File.Exists(Path.Combine(stage, "model.ckpt")), stage);
            Assert.True(File.Exists(Path.Combine(stage, CompressionPipeline.DoneMarker)), stage);
        }
        using (var final = ModelCheckpoint.Load(Path.Combine(dir.Path, "model.ckpt")))
        using (var quantized = ModelCheckpoint.Load(Path.Combine(second, "model.ckpt")))
        {
            Assert.Equal(CompressionPipeline.Kind, final.Info.Kind);
            Assert.Equal(new[] { "kd", "quantize" },
                final.Info.Compression!["stages"]!.AsArray().Select(s => s!["method"]!.GetValue<string>()));
            // The quantize stage worked on the kd student; the final checkpoint is its output, quantization included.
            Assert.Equal("vgg11-bn:w=1/32", final.Model.Arch.ToString());
            Assert.Equal(4, quantized.Info.Compression!["bits"]!.GetValue<int>());
            Assert.Equal(quantized.Extra.Keys.Order(), final.Extra.Keys.Order());
            foreach (var (key, value) in final.Model.state_dict()) TensorAssert.Same(quantized.Model.state_dict()[key], value, key);
        }
        var metrics = Metrics(dir.Path);
        Assert.Equal("pipeline", metrics["method"]!.GetValue<string>());
        Assert.Equal(2, metrics["stages"]!.AsArray().Count);

        // Resuming reuses both finished stages (their checkpoints are not rewritten) and measures the same network.
        var written = File.GetLastWriteTimeUtc(Path.Combine(second, "model.ckpt"));
        var bytes = File.ReadAllBytes(Path.Combine(second, "model.ckpt"));
        (code, error) = CompressCli.Run(args.Append("--resume").ToArray());
        Assert.True(code == 0, error);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(second, "model.ckpt")));
        Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(second, "model.ckpt")));
        var resumed = Metrics(dir.Path);
        foreach (var key in new[] { "map_per_class", "agreement", "macs" })
            Assert.Equal(metrics[key]!.ToJsonString(), resumed[key]!.ToJsonString());
    }

    [Theory]
    [InlineData(2, "unknown matcher 'gradcam'", "--match", "gradcam")]
    [InlineData(2, "unknown layer 'pool9'", "--match-layers", "pool9:1")]
    [InlineData(2, "unknown architecture 'vgg12-bn'", "--student", "vgg12-bn")]
    [InlineData(2, "same spatial size", "--student", "resnet18:w=1/16")]
    [InlineData(2, "--ratio is an option of structured", "--ratio", "0.3")]
    [InlineData(2, "--bits must be between", "METHOD=quantize", "--bits", "12")]
    [InlineData(2, "--latency-repeats must be in [0, 1000] (got 1001)", "--latency-repeats", "1001")]
    [InlineData(2, "unknown compression method 'prune'", "METHOD=prune")]
    [InlineData(1, "expects 1x32x32", "--image-size", "48")]
    public void BadInputGivesOneLineAndExitCode(int expected, string message, params string[] extra)
    {
        using var dir = new TempFolder();
        var method = extra.FirstOrDefault(e => e.StartsWith("METHOD=", StringComparison.Ordinal))?[7..] ?? "kd";
        var args = new[] { "compress", method, "--teacher", cli.TeacherPath, "--epochs", "1", "--out", dir.Path }
            .Concat(extra.Where(e => !e.StartsWith("METHOD=", StringComparison.Ordinal)));
        var (code, error) = CompressCli.Run(args.ToArray());
        Assert.Equal(expected, code);
        Assert.Contains(message, error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public void ATeacherThatIsNotACheckpointOrAStudentWithOtherClassesIsRefused()
    {
        using var dir = new TempFolder();
        var notACheckpoint = dir.File("teacher.ckpt");
        File.WriteAllText(notACheckpoint, "hello");
        var (code, error) = CompressCli.Run("compress", "kd", "--teacher", notACheckpoint, "--out", dir.File("out"));
        Assert.Equal(1, code);
        Assert.Contains("not an apc checkpoint", error);
        Assert.Single(error.Trim().Split('\n'));

        var otherClasses = dir.File("three-classes.ckpt");
        using (var model = ModelFactory.Create(new ModelConfig(ArchSpec.Parse("vgg11-bn:w=1/32"), 1, 3, 32)))
            ModelCheckpoint.Save(otherClasses, new CheckpointInfo("teacher", "", 1, 3, 32, new[] { "a", "b", "c" },
                new Apc.Data.Normalization(new[] { 0.5f }, new[] { 0.5f }), "tiny", new JsonObject(), new JsonObject()), model);
        (code, error) = CompressCli.Run("compress", "kd", "--teacher", cli.TeacherPath, "--student", otherClasses, "--out", dir.File("out"));
        Assert.Equal(1, code);   // a file that does not fit, as a --teacher that does not fit the data (issue 8 §5)
        Assert.Contains("3 classes but the teacher has", error);
        Assert.Single(error.Trim().Split('\n'));
    }
}
