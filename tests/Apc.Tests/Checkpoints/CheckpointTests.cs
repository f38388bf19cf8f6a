using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Data;
using Apc.Models;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Apc.Tests.Checkpoints;

public class CheckpointTests
{
    static ClassifierNet Model(string arch = "vgg11-bn:w=1/8", int classes = 3)
    {
        torch.manual_seed(1);
        return ModelFactory.Create(new ModelConfig(ArchSpec.Parse(arch), 1, classes, 32));
    }

    static CheckpointInfo Info(ClassifierNet model) => new("teacher", model.Arch.ToString(), 1, 3, 32,
        new[] { "a", "b", "c" }, new Normalization(new[] { 0.5f }, new[] { 0.25f }), "fashion-scenes",
        CheckpointInfo.MakeProvenance("apc train", 7, new JsonObject { ["epochs"] = 2 }), new JsonObject { ["map_per_class"] = 0.75 });

    [Theory]
    [InlineData("vgg11-bn:w=1/8")]
    [InlineData("resnet18:w=1/16")]
    [InlineData("vgg11-bn:channels=3,M,5,M,7,7,M,9,9,M,4,4,M")]
    [InlineData("vgg11-bn:w=1/8:skip-pools=4")]
    [InlineData("vgg11-bn:channels=3,M,5,M,7,7,M,9,9,M,4,4,M:skip-pools=1,4")]
    public void SaveThenLoadGivesTheSameLogitsAndDescription(string arch)
    {
        using var dir = new TempFolder();
        using var model = Model(arch);
        model.eval();
        using var mask = ones(4, 4);
        ModelCheckpoint.Save(dir.File("m.ckpt"), Info(model), model, new Dictionary<string, Tensor> { ["mask/x"] = mask });
        using var loaded = ModelCheckpoint.Load(dir.File("m.ckpt"));
        using var x = randn(2, 1, 32, 32);
        using var a = model.call(x);
        using var b = loaded.Model.call(x);
        TensorAssert.Same(a, b);
        Assert.Equal(arch.Contains("channels") ? arch : model.Arch.ToString(), loaded.Info.Arch);
        Assert.Equal(new[] { "a", "b", "c" }, loaded.Info.ClassNames);
        Assert.Equal(0.25f, loaded.Info.Normalization.Std[0]);
        Assert.Equal(0.75, loaded.Info.Metrics["map_per_class"]!.GetValue<double>());
        Assert.Equal(7, loaded.Info.Provenance["seed"]!.GetValue<int>());
        TensorAssert.Same(mask, loaded.Extra["mask/x"]);
        // Batch-norm statistics are part of the state.
        var statistic = model.state_dict().Keys.First(k => k.EndsWith("running_var"));
        TensorAssert.Same(model.state_dict()[statistic], loaded.Model.state_dict()[statistic]);
    }

    [Fact]
    public void MissingTruncatedCorruptAndForeignFilesAreNamedClearly()
    {
        using var dir = new TempFolder();
        using var model = Model();
        var path = dir.File("m.ckpt");
        ModelCheckpoint.Save(path, Info(model), model);
        var bytes = File.ReadAllBytes(path);

        var missing = Assert.Throws<ApcException>(() => ModelCheckpoint.Load(dir.File("nope.ckpt")));
        Assert.Contains("nope.ckpt': file not found", missing.Message);

        File.WriteAllBytes(dir.File("trunc.ckpt"), bytes[..(bytes.Length / 2)]);
        Assert.Contains("truncated or corrupt", Assert.Throws<ApcException>(() => ModelCheckpoint.Load(dir.File("trunc.ckpt"))).Message);

        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(dir.File("flip.ckpt"), flipped);
        Assert.Contains("flip.ckpt': truncated or corrupt", Assert.Throws<ApcException>(() => ModelCheckpoint.Load(dir.File("flip.ckpt"))).Message);

        File.WriteAllText(dir.File("foreign.ckpt"), "PK\u0003\u0004 a zip file");
        Assert.Contains("not an apc checkpoint", Assert.Throws<ApcException>(() => ModelCheckpoint.Load(dir.File("foreign.ckpt"))).Message);

        File.WriteAllBytes(dir.File("empty.ckpt"), []);
        Assert.Equal($"checkpoint '{dir.File("empty.ckpt")}': empty file (0 bytes); an interrupted copy or download?",
            Assert.Throws<ApcException>(() => ModelCheckpoint.Load(dir.File("empty.ckpt"))).Message);
    }

    [Fact]
    public void SavingLeavesNoTemporaryFilesAndReplacesAtomically()
    {
        using var dir = new TempFolder();
        using var model = Model();
        var path = dir.File("m.ckpt");
        ModelCheckpoint.Save(path, Info(model), model);
        ModelCheckpoint.Save(path, Info(model) with { Kind = "kd" }, model);
        Assert.Equal(new[] { "m.ckpt" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName));
        using var loaded = ModelCheckpoint.Load(path);
        Assert.Equal("kd", loaded.Info.Kind);
    }

    [Fact]
    public void WeightsThatDoNotFitTheArchitectureAreRejected()
    {
        using var dir = new TempFolder();
        using var model = Model();
        var path = dir.File("m.ckpt");
        ModelCheckpoint.Save(path, Info(model), model);
        // Rewrite the header to claim another architecture; the checksum is recomputed by writing through the API.
        var (info, tensors) = CheckpointFile.Read(path);
        CheckpointFile.Write(path, info with { Arch = "vgg13-bn:w=1/8" }, tensors);
        var error = Assert.Throws<ApcException>(() => ModelCheckpoint.Load(path));
        Assert.Contains("weights do not match architecture vgg13-bn:w=1/8", error.Message);
    }

    [Fact]
    public void PyTorchStateDictWithModulePrefixImportsExactly()
    {
        using var dir = new TempFolder();
        using var model = Model("vgg11-bn:w=1/8", classes: 20);
        model.eval();
        var prefixed = new System.Collections.Hashtable();
        foreach (var (k, v) in model.state_dict()) prefixed["module." + k] = v;
        PyTorchPickler.PickleStateDict(dir.File("w.pt"), prefixed);
        using var imported = PyTorchImport.Load(dir.File("w.pt"), model.Config);
        using var x = randn(2, 1, 32, 32);
        TensorAssert.Same(model.call(x), imported.call(x));

        var wrong = Assert.Throws<ApcException>(() => PyTorchImport.Load(dir.File("w.pt"), model.Config with { NumClasses = 5 }));
        Assert.Contains("classifier.1.weight", wrong.Message);
        File.WriteAllText(dir.File("bad.pt"), "not a pickle");
        Assert.Contains("bad.pt", Assert.Throws<ApcException>(() => PyTorchImport.Load(dir.File("bad.pt"), model.Config)).Message);
    }
}
