using Apc.Checkpoints;
using Apc.Deployment;
using Apc.Tests.Attribution;
using Apc.Tests.Cli;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace Apc.Tests.Deployment;

/// <summary>ONNX files that are not a whole apc export, and verbs that cannot use one, get one clear line.</summary>
[Collection(nameof(OnnxRuntimeCollection))]
public class OnnxErrorTests
{
    static ModelProto Export(TempFolder dir, out string checkpointPath)
    {
        using var forms = ExportForms.Build("teacher", TestNets.Vgg);
        checkpointPath = dir.File("teacher.ckpt");
        ModelCheckpoint.Save(checkpointPath, ExportForms.Info(forms.Model, "teacher"), forms.Model);
        return OnnxExport.Export(checkpointPath, dir.File("model.onnx"));
    }

    [Fact]
    public void ReadingRejectsTruncatedForeignAndEditedFiles()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        var proto = Export(dir, out _);
        var bytes = File.ReadAllBytes(dir.File("model.onnx"));
        Assert.Equal(proto.ToByteArray(), bytes);

        // Cut anywhere: inside the weights, and inside the metadata at the end.
        foreach (var length in new[] { bytes.Length / 2, bytes.Length - 10 })
        {
            File.WriteAllBytes(dir.File("cut.onnx"), bytes[..length]);
            var error = Assert.Throws<ApcException>(() => OnnxModelFile.Read(dir.File("cut.onnx")));
            Assert.Contains("truncated", error.Message);
            Assert.Contains("cut.onnx", error.Message);
        }

        var foreign = proto.Clone();
        foreign.MetadataProps.Clear();
        File.WriteAllBytes(dir.File("foreign.onnx"), foreign.ToByteArray());
        Assert.Contains("not an apc export", Assert.Throws<ApcException>(() => OnnxModelFile.Read(dir.File("foreign.onnx"))).Message);

        var edited = proto.Clone();
        edited.Graph.Initializer[0].RawData = ByteString.CopyFrom(new byte[edited.Graph.Initializer[0].RawData.Length]);
        File.WriteAllBytes(dir.File("edited.onnx"), edited.ToByteArray());
        Assert.Contains("integrity", Assert.Throws<ApcException>(() => OnnxModelFile.Read(dir.File("edited.onnx"))).Message);

        // apc metadata, but an input apc does not export (renamed, fixed batch): metadata rewritten so that only the input differs.
        var info = OnnxMetadata.Read(proto, "x").Info;
        var renamed = proto.Clone();
        renamed.MetadataProps.Clear();
        renamed.Graph.Input[0].Name = "image";
        renamed.Graph.Node[0].Input[0] = "image";
        OnnxMetadata.Write(renamed, info, new string('0', 64), "teacher.ckpt", "float32");
        File.WriteAllBytes(dir.File("renamed.onnx"), renamed.ToByteArray());
        var message = Assert.Throws<ApcException>(() => OnnxModelFile.Read(dir.File("renamed.onnx"))).Message;
        Assert.Contains("'image'", message);
        Assert.Contains("not what apc exports", message);

        File.WriteAllText(dir.File("text.onnx"), "this is not protobuf at all, just words");
        Assert.Contains("text.onnx", Assert.Throws<ApcException>(() => OnnxModelFile.Read(dir.File("text.onnx"))).Message);
    }

    [Fact]
    public void ActivationGridsOfFewerThanEightBitsAreRefusedWithOneLine()
    {
        using var scope = NewDisposeScope();
        using var forms = ExportForms.Build("w8a4", TestNets.Vgg);
        var error = Assert.Throws<ApcException>(() =>
            OnnxExport.Build(forms.Model, forms.Extra, ExportForms.Info(forms.Model, "quantize"), new string('0', 64), "q.ckpt"));
        Assert.Contains("4 bits", error.Message);
        Assert.Contains("--activation-bits 8", error.Message);
    }

    [Fact]
    public void GradientVerbsRefuseAnOnnxModelAndSayWhatWorks()
    {
        using var dir = new TempFolder();
        Export(dir, out var checkpoint);
        var onnx = dir.File("model.onnx");
        var data = new[] { "--dataset", "fashion-scenes", "--train-size", "64", "--val-size", "16", "--image-size", "32" };

        var (code, error) = CliRunner.Run(new[] { "evaluate", "--model", onnx, "--methods", "gradcam", "--out", dir.File("e") }.Concat(data).ToArray());
        Assert.Equal(2, code);
        Assert.Contains("occlusion, rise", error);
        Assert.Single(error.Trim().Split('\n'));

        // The message names the ONNX model, here the reference, not an option the user did not give.
        (code, error) = CliRunner.Run(new[] { "evaluate", "--model", checkpoint, "--reference", onnx, "--out", dir.File("e") }.Concat(data).ToArray());
        Assert.Equal(2, code);
        Assert.Contains($"--reference '{onnx}' (an ONNX model)", error);
        Assert.Single(error.Trim().Split('\n'));

        (code, error) = CliRunner.Run(new[] { "explain", "--model", onnx, "--index", "0", "--methods", "gradcam,occlusion", "--out", dir.File("x") }.Concat(data).ToArray());
        Assert.Equal(2, code);
        Assert.Contains("--methods gradcam: needs gradients", error);
        Assert.Contains("occlusion, rise", error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.False(Directory.Exists(dir.File("x")));

        (code, error) = CliRunner.Run(new[] { "compress", "kd", "--teacher", onnx, "--out", dir.File("c") }.Concat(data).ToArray());
        Assert.Equal(1, code);
        Assert.Contains("is an ONNX model", error);
        Assert.Single(error.Trim().Split('\n'));

        (code, error) = CliRunner.Run("export", "--model", onnx, "--out", dir.File("again.onnx"));
        Assert.Equal(1, code);
        Assert.Contains("is already an ONNX model; export reads the checkpoint (.ckpt)", error);
        Assert.Single(error.Trim().Split('\n'));

        File.WriteAllBytes(dir.File("cut.onnx"), File.ReadAllBytes(onnx)[..1000]);
        (code, error) = CliRunner.Run("info", dir.File("cut.onnx"));
        Assert.Equal(1, code);
        Assert.Contains("truncated", error);
        Assert.Single(error.Trim().Split('\n'));

        (code, error) = CliRunner.Run("info", onnx);
        Assert.True(code == 0, error);
        (code, error) = CliRunner.Run("export", "--model", checkpoint, "--out", onnx);
        Assert.Equal(1, code);
        Assert.Contains("--force", error);
    }

    [Fact]
    public void ExplainDrawsOcclusionMapsOfTheExportedFileEqualToThoseOfItsCheckpoint()
    {
        using var dir = new TempFolder();
        // One grey channel and ten classes, as the fashion-scenes images the command explains.
        var checkpoint = dir.File("teacher.ckpt");
        using (var model = Apc.Models.ModelFactory.Create(new Apc.Models.ModelConfig(Apc.Models.ArchSpec.Parse(TestNets.Vgg), 1, 10, 32)))
        {
            model.eval();
            ModelCheckpoint.Save(checkpoint, ExportForms.Info(model, "teacher") with { Normalization = new(new[] { 0.3f }, new[] { 0.3f }) }, model);
        }
        OnnxExport.Export(checkpoint, dir.File("model.onnx"));
        var maps = dir.File("maps.safetensors");
        var (code, error) = CliRunner.Run("explain", "--model", dir.File("model.onnx"), "--reference", checkpoint, "--methods", "occlusion,rise",
            "--masks", "40", "--patch", "8", "--stride", "4", "--dataset", "fashion-scenes", "--train-size", "64", "--val-size", "16",
            "--index", "0,3", "--save-maps", maps, "--out", dir.File("x"));
        Assert.True(code == 0, error);
        Assert.True(File.Exists(Path.Combine(dir.File("x"), "explain.png")));
        var tensors = Apc.Cli.Commands.ExplainMaps.Load(maps);
        try
        {
            foreach (var method in new[] { "occlusion", "rise" })
            {
                var onnxMaps = tensors[$"maps.model.{method}"];
                var torchMaps = tensors[$"maps.reference.{method}"];
                Assert.Equal(new long[] { 2, 32, 32 }, onnxMaps.shape);
                Assert.True(onnxMaps.abs().max().item<float>() > 0, $"{method}: the maps are all zero, so the comparison would be vacuous");
                var scale = torchMaps.abs().max().item<float>();
                var difference = (onnxMaps - torchMaps).abs().max().item<float>();
                Assert.True(difference <= 1e-4 * scale, $"{method}: ONNX Runtime and TorchSharp maps differ by {difference} (scale {scale})");
            }
            Assert.True((tensors["logits.model"] - tensors["logits.reference"]).abs().max().item<float>() <= 1e-4 * tensors["logits.reference"].abs().max().item<float>());
        }
        finally { foreach (var t in tensors.Values) t.Dispose(); }

        // Without --methods, explain of an ONNX model draws what it can: occlusion (evaluate's default is no method).
        (code, error) = CliRunner.Run("explain", "--model", dir.File("model.onnx"), "--patch", "8", "--stride", "4", "--dataset", "fashion-scenes",
            "--train-size", "64", "--val-size", "16", "--index", "0", "--out", dir.File("default"));
        Assert.True(code == 0, error);
        var panels = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(dir.File("default/explain.json")))!["panels"]!.AsArray();
        Assert.Equal(new[] { "occlusion" }, panels.Select(p => p!["method"]!.GetValue<string>()).Distinct());
    }
}
