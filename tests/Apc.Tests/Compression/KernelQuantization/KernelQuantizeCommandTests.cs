using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Compression.KernelQuantization;

namespace Apc.Tests.Compression.KernelQuantization;

public class KernelQuantizeCommandTests : IClassFixture<CompressCli>
{
    readonly CompressCli cli;
    public KernelQuantizeCommandTests(CompressCli cli) { this.cli = cli; }

    static void AssertOnCodebooks(ModelCheckpoint checkpoint, int indexBits, int layers, int codebookBits = 6) =>
        KernelQuantTestSupport.AssertOnCodebooks(checkpoint.Model, checkpoint.Extra, indexBits, codebookBits, layers);

    [Fact]
    public void SubCommandWritesTheQuantizedNetworkInfoShowsItsBitsAndExportIsFloat()
    {
        using var dir = new TempFolder();
        var (code, error) = CompressCli.Run("compress", "kernel-quantize", "--teacher", cli.TeacherPath, "--index-bits", "3",
            "--layer-index-bits", "conv1_1=0", "--codebook-bits", "5", "--kmeans-iterations", "8", "--match", "wcam", "--epochs", "1", "--out", dir.Path);
        Assert.True(code == 0, error);

        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "metrics.json")))!.AsObject();
        Assert.Equal("kernel-quantize", metrics["method"]!.GetValue<string>());
        var facts = metrics["compression"]!;
        Assert.Equal(3, facts["index_bits"]!.GetValue<int>());
        Assert.Equal(8, facts["codebook_size"]!.GetValue<int>());
        Assert.Equal(5, facts["codebook_bits"]!.GetValue<int>());
        Assert.Equal(7, facts["quantized_convs"]!.GetValue<int>());
        Assert.True(facts["bits_per_conv_parameter"]!.GetValue<double>() < 32);
        using (var model = ModelCheckpoint.Load(Path.Combine(dir.Path, "model.ckpt")))
        {
            Assert.Equal("kernel-quantize", model.Info.Kind);
            AssertOnCodebooks(model, indexBits: 3, layers: 7, codebookBits: 5);
        }
        // The fingerprint holds the stage's options, so --resume refuses other bits.
        var fingerprint = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "fingerprint.json")))!.AsObject();
        string Setting(string name) => fingerprint.Single(kv => kv.Key.EndsWith(name, StringComparison.Ordinal)).Value!.GetValue<string>();
        Assert.Equal("3", Setting(".index_bits"));
        Assert.Equal("conv1_1=0", Setting("layer_index_bits"));
        Assert.Equal("5", Setting("codebook_bits"));

        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { Apc.Tests.Cli.CliRunner.CliDll, "info", Path.Combine(dir.Path, "model.ckpt"), "--format", "json" })
            start.ArgumentList.Add(a);
        using (var process = System.Diagnostics.Process.Start(start)!)
        {
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, output);
            var info = JsonNode.Parse(output)!["compression"]!;
            Assert.Equal(3, info["index_bits"]!.GetValue<int>());
            Assert.Equal(8, info["codebook_size"]!.GetValue<int>());
            Assert.Equal(5, info["codebook_bits"]!.GetValue<int>());
            Assert.Equal(facts["bits_per_conv_parameter"]!.GetValue<double>(), info["bits_per_conv_parameter"]!.GetValue<double>());
        }

        // ONNX has no codebook form: the export is the dense float network, checked against the checkpoint.
        var summaryPath = Path.Combine(dir.Path, "export.json");
        (code, error) = Apc.Tests.Cli.CliRunner.Run("export", "--model", Path.Combine(dir.Path, "model.ckpt"), "--out",
            Path.Combine(dir.Path, "model.onnx"), "--summary", summaryPath);
        Assert.True(code == 0, error);
        var summary = JsonNode.Parse(File.ReadAllText(summaryPath))!;
        Assert.Equal("kernel-quantize", summary["source_kind"]!.GetValue<string>());
        Assert.Equal("float32", summary["precision"]!.GetValue<string>());
        Assert.Equal(1.0, summary["agreement"]!["label_agreement"]!.GetValue<double>());
    }

    [Fact]
    public void KernelQuantizeRunsAfterStructuredPruningInAPipeline()
    {
        using var dir = new TempFolder();
        var (code, error) = CompressCli.Run("compress", "pipeline", "--stages", "structured,kernel-quantize", "--teacher", cli.TeacherPath,
            "--ratio", "0.5", "--index-bits", "2", "--match", "wcam", "--match-weight", "10", "--epochs", "1", "--out", dir.Path);
        Assert.True(code == 0, error);
        using var model = ModelCheckpoint.Load(Path.Combine(dir.Path, "model.ckpt"));
        Assert.Equal("pipeline", model.Info.Kind);
        Assert.Contains("channels=", model.Info.Arch); // the pruned widths
        AssertOnCodebooks(model, indexBits: 2, layers: 8);
        var stages = model.Info.Compression!["stages"]!.AsArray();
        Assert.Equal("kernel-quantize", stages[1]!["method"]!.GetValue<string>());
        Assert.Equal(2, stages[1]!["compression"]!["index_bits"]!.GetValue<int>());
    }

    [Fact]
    public void AnExperimentPlanTakesKernelQuantizeAsAMethod()
    {
        var config = new Apc.Cli.Experiments.ExperimentConfig
        {
            Teacher = new Apc.Cli.Experiments.ExperimentConfig.TeacherSection { Checkpoint = cli.TeacherPath },
            Compressions = [new Apc.Cli.Experiments.ExperimentConfig.CompressionSection { Method = "kernel-quantize", Options = ["--index-bits", "3"] }],
            Matchers = ["none", "wcam"],
            Seeds = [0],
        };
        var (stages, _) = Apc.Cli.Experiments.ExperimentPlan.Build(config, "out", "cpu", 1);
        var compress = stages.Where(s => s.Arguments[0] == "compress").ToList();
        Assert.Equal(2, compress.Count);
        Assert.All(compress, s =>
        {
            Assert.Equal("kernel-quantize", s.Arguments[1]);
            Apc.Cli.ApcApp.Check(s.Arguments.ToArray()); // parses and checks every option, as the plan's validation does
        });
    }

    [Theory]
    [InlineData(2, "--index-bits must be between 1 and 8", "kernel-quantize", "--index-bits", "9")]
    [InlineData(2, "--codebook-bits must be between 2 and 8", "kernel-quantize", "--codebook-bits", "12")]
    [InlineData(2, "--layer-index-bits: 'conv1_1' is not layer=bits", "kernel-quantize", "--layer-index-bits", "conv1_1")]
    [InlineData(2, "--index-bits is an option of kernel-quantize", "kd", "--index-bits", "4")]
    [InlineData(2, "kernel-quantize must be the last stage", "pipeline", "--stages", "kernel-quantize,kd")]
    [InlineData(2, "--codebook-bits is an option of kernel-quantize, which --stages", "pipeline", "--stages", "structured", "--codebook-bits", "4")]
    [InlineData(2, "--layer-index-bits relu1_1: not a conv", "kernel-quantize", "--layer-index-bits", "relu1_1=2")]
    public void BadOptionsGiveOneLineAndExitCode(int expected, string message, string method, params string[] extra)
    {
        using var dir = new TempFolder();
        var args = new[] { "compress", method, "--teacher", cli.TeacherPath, "--epochs", "1", "--out", dir.Path }.Concat(extra);
        var (code, error) = CompressCli.Run(args.ToArray());
        Assert.Equal(expected, code);
        Assert.Contains(message, error);
        Assert.Single(error.Trim().Split('\n'));
    }
}
