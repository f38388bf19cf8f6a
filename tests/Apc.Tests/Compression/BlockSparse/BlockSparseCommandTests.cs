using System.Text.Json.Nodes;
using Apc.Checkpoints;

namespace Apc.Tests.Compression.BlockSparse;

public class BlockSparseCommandTests : IClassFixture<CompressCli>
{
    readonly CompressCli cli;
    public BlockSparseCommandTests(CompressCli cli) { this.cli = cli; }

    [Fact]
    public void BlockSparseSubCommandWritesTheGroupedNetworkAndInfoShowsItsBlocks()
    {
        using var dir = new TempFolder();
        var (code, error) = CompressCli.Run("compress", "block-sparse", "--teacher", cli.TeacherPath, "--blocks", "4",
            "--layer-blocks", "conv5_2=8", "--permutation-seed", "3", "--match", "wcam", "--epochs", "1", "--out", dir.Path);
        Assert.True(code == 0, error);

        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "metrics.json")))!.AsObject();
        Assert.Equal("block-sparse", metrics["method"]!.GetValue<string>());
        using var model = ModelCheckpoint.Load(Path.Combine(dir.Path, "model.ckpt"));
        Assert.Equal("vgg11-bn:w=1/16:blocks=1,4,4,4,4,4,4,8:block-seed=3", model.Info.Arch);
        Assert.Equal(model.Model.MultiplyAccumulates(), metrics["macs"]!.GetValue<long>());
        Assert.True(metrics["compression_ratio"]!["macs"]!.GetValue<double>() > 3);
        // The fingerprint (flat keys, string values) holds the stage's options, so --resume refuses other blocks or seeds.
        var fingerprint = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "fingerprint.json")))!.AsObject();
        string Setting(string name) => fingerprint.Single(kv => kv.Key.EndsWith(name, StringComparison.Ordinal)).Value!.GetValue<string>();
        Assert.Equal("3", Setting("permutation_seed"));
        Assert.Equal("conv5_2=8", Setting("layer_blocks"));
        Assert.Equal("4", Setting(".blocks"));

        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { Apc.Tests.Cli.CliRunner.CliDll, "info", Path.Combine(dir.Path, "model.ckpt"), "--format", "json" })
            start.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, output);
        var info = JsonNode.Parse(output)!;
        Assert.Equal(8, info["block_structure"]!["conv5_2"]!.GetValue<long>());
        Assert.Equal(4, info["block_structure"]!["conv2_1"]!.GetValue<long>());
        Assert.Null(info["block_structure"]!["conv1_1"]);
    }

    [Fact]
    public void ExportWritesTheGroupedNetworkAndOnnxRuntimeComputesItsLogits()
    {
        using var dir = new TempFolder();
        var (code, error) = CompressCli.Run("compress", "block-sparse", "--teacher", cli.TeacherPath, "--blocks", "2",
            "--permutation-seed", "5", "--match", "none", "--epochs", "1", "--out", dir.Path);
        Assert.True(code == 0, error);
        var checkpoint = Path.Combine(dir.Path, "model.ckpt");
        var onnx = Path.Combine(dir.Path, "model.onnx");
        var summaryPath = Path.Combine(dir.Path, "export.json");
        (code, error) = Apc.Tests.Cli.CliRunner.Run("export", "--model", checkpoint, "--out", onnx, "--summary", summaryPath);
        Assert.True(code == 0, error);

        // What the export checked after writing: ONNX Runtime against the checkpoint on its seeded images.
        var summary = JsonNode.Parse(File.ReadAllText(summaryPath))!;
        Assert.Equal("block-sparse", summary["source_kind"]!.GetValue<string>());
        Assert.Equal("float32", summary["precision"]!.GetValue<string>());
        Assert.True(summary["agreement"]!["relative"]!.GetValue<double>() <= 1e-4, summary.ToJsonString());
        Assert.Equal(1.0, summary["agreement"]!["label_agreement"]!.GetValue<double>());
        // The file is the grouped form: its architecture spec with the blocks and seed, 14 channel gathers and grouped convs.
        var file = Apc.Deployment.OnnxModelFile.Read(onnx);
        Assert.Equal("vgg11-bn:w=1/16:blocks=1,2,2,2,2,2,2,2:block-seed=5", file.Properties[Apc.Deployment.OnnxMetadata.Arch]);
        Assert.Equal(14, file.Model.Graph.Node.Count(n => n.OpType == "Gather"));
        Assert.Equal(7, file.Model.Graph.Node.Count(n => n.OpType == "Conv" && n.Attribute.Single(a => a.Name == "group").I == 2));
    }

    [Fact]
    public void BlockSparseRunsAsAPipelineStageAndItsOptionsBelongToIt()
    {
        using var dir = new TempFolder();
        var (code, error) = CompressCli.Run("compress", "pipeline", "--stages", "block-sparse,kd", "--teacher", cli.TeacherPath,
            "--blocks", "2", "--match", "none", "--epochs", "1", "--out", dir.Path);
        Assert.True(code == 0, error);
        using var model = ModelCheckpoint.Load(Path.Combine(dir.Path, "model.ckpt"));
        Assert.Contains(":blocks=1,2,2,2,2,2,2,2:block-seed=0", model.Info.Arch);

        (code, error) = CompressCli.Run("compress", "kd", "--teacher", cli.TeacherPath, "--blocks", "4", "--out", dir.Path);
        Assert.Equal(2, code);
        Assert.Contains("--blocks is an option of block-sparse", error);
        (code, error) = CompressCli.Run("compress", "block-sparse", "--teacher", cli.TeacherPath, "--blocks", "1", "--out", dir.Path);
        Assert.Equal(2, code);
        Assert.Contains("--blocks must be at least 2", error);
        (code, error) = CompressCli.Run("compress", "pipeline", "--stages", "block-sparse,structured", "--teacher", cli.TeacherPath, "--out", dir.Path);
        Assert.Equal(2, code);
        Assert.Contains("block-sparse may not be followed by structured", error);
    }
}
