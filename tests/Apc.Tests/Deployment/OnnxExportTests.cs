using Apc.Compression.Quantization;
using Apc.Deployment;
using Apc.Models;
using Apc.Tests.Attribution;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace Apc.Tests.Deployment;

/// <summary>Every compressed form exports, loads in ONNX Runtime and computes what the TorchSharp model computes.</summary>
[Collection(nameof(OnnxRuntimeCollection))]
public class OnnxExportTests
{
    public static TheoryData<string, string> Float()
    {
        var data = new TheoryData<string, string>();
        foreach (var form in ExportForms.FloatForms) foreach (var arch in new[] { TestNets.Vgg, TestNets.ResNet }) data.Add(form, arch);
        data.Add("teacher", TestNets.VggSkipPools);
        data.Add("block-sparse", TestNets.Vgg); // VGG only: ResNet specs refuse blocks
        data.Add("block-sparse", TestNets.VggSkipPools);
        return data;
    }

    public static TheoryData<string, string> Quantized()
    {
        var data = new TheoryData<string, string>();
        foreach (var form in ExportForms.QuantizedForms) foreach (var arch in new[] { TestNets.Vgg, TestNets.ResNet }) data.Add(form, arch);
        data.Add("block-sparse-w8a8", TestNets.Vgg);
        return data;
    }

    static OnnxClassifier ExportAndLoad(ExportForms forms, string kind, TempFolder dir)
    {
        var proto = OnnxExport.Build(forms.Model, forms.Extra, ExportForms.Info(forms.Model, kind), new string('0', 64), "test.ckpt");
        var path = dir.File("model.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        return new OnnxClassifier(OnnxModelFile.Read(path));
    }

    [Theory]
    [MemberData(nameof(Float))]
    public void FloatExportComputesTheCheckpointsLogits(string form, string arch)
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        using var forms = ExportForms.Build(form, arch);
        using var onnx = ExportAndLoad(forms, form, dir);
        var x = TestNets.Inputs(8, seed: 5);
        var agreement = LogitAgreement.Of(onnx, new TorchClassifier(forms.Model), x);
        Assert.True(agreement.Relative <= 1e-4, $"{form} {arch}: ONNX Runtime logits differ by {agreement.Relative:G3} of max |logit|");
        // Dynamic batch: one image alone gives the same logits as within the batch.
        var single = onnx.Logits(x[..1]);
        Assert.True(TestNets.RelativeError(single, onnx.Logits(x)[..1]) <= 1e-5);
        var bn = forms.Model.AllNodes().Count(n => n.Kind == LayerKind.BatchNorm);
        Assert.DoesNotContain(onnx.File.Model.Graph.Node, n => n.OpType == "BatchNormalization"); // all folded
        Assert.True(bn > 0);
    }

    /// <summary>The int8 graph against the fake-quantized TorchSharp model. Labels (logit &gt; 0) must agree on ≥ 99 % of
    /// (image, class) pairs. Logit tolerance, derived: both compute the same integer grids, but ONNX Runtime's int8
    /// kernels accumulate exactly in int32 and requantize with a float multiplier, and the bias is rounded to the int32
    /// grid (at most half of input scale × weight scale), while TorchSharp sums float products; so a value that lies
    /// within float rounding of a rounding boundary may land one level apart. If every input of the classifier
    /// (the last grid, step s) moved by one level, logit k would move by s·Σ_j |W_kj|; that is the tolerance, with the
    /// float tolerance 1e-4 of max |logit| on top.</summary>
    [Theory]
    [MemberData(nameof(Quantized))]
    public void Int8ExportAgreesWithTheFakeQuantizedModel(string form, string arch)
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        using var forms = ExportForms.Build(form, arch);
        using var onnx = ExportAndLoad(forms, form, dir);
        Assert.Contains(onnx.File.Model.Graph.Node, n => n.OpType == "QuantizeLinear");
        Assert.Contains(onnx.File.Model.Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Int8);
        var x = TestNets.Inputs(64, seed: 9);
        var expected = new TorchClassifier(forms.Model).Logits(x);
        var actual = onnx.Logits(x);
        var agreement = LogitAgreement.Of(actual, expected);
        Assert.True(agreement.LabelAgreement >= 0.99, $"{form} {arch}: labels agree on {agreement.LabelAgreement:P2} of {agreement.Pairs} pairs");

        var grids = forms.Activations!.Grids();
        var last = forms.Activations.Points[^1];
        var fc = forms.Model.AllNodes().OfType<LayerNode>().Last(n => n.Kind == LayerKind.Linear);
        var weight = ((TorchSharp.Modules.Linear)fc.Module).weight!;
        var tolerance = grids[last].Scale * weight.abs().sum(1).max().item<float>() + 1e-4 * expected.abs().max().item<float>();
        Assert.True(agreement.MaxAbsDifference <= tolerance,
            $"{form} {arch}: max |Δlogit| {agreement.MaxAbsDifference:G4} above the derived tolerance {tolerance:G4}");
        // Not vacuous: the export is, on average over the logits, closer to the fake-quantized model than to the float
        // network it was made from; an export that left the network in float would be the other way round.
        var unquantized = new TorchClassifier(forms.BeforeQuantization!).Logits(x);
        double toFakeQuantized = (actual - expected).abs().mean().item<float>(), toFloat = (actual - unquantized).abs().mean().item<float>();
        Assert.True(toFakeQuantized < toFloat,
            $"degenerate test: mean |Δlogit| to the fake-quantized model {toFakeQuantized:G4}, to the float network {toFloat:G4}");
    }

    [Fact]
    public void BlockSparseExportIsGatherGroupedConvScatterAndComputesTheMaskedNetwork()
    {
        // The grouped form's permutations are Gather on the channel axis with the orders as int64 indices, its grouped
        // convs are Conv with their group attribute (batch norm folded), and ONNX Runtime computes what the masked
        // network computed before surgery.
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        using var forms = ExportForms.Build("block-sparse", TestNets.Vgg);
        using var onnx = ExportAndLoad(forms, "block-sparse", dir);
        var graph = onnx.File.Model.Graph;

        var permutations = forms.Model.Nodes.OfType<LayerNode>().Where(n => n.Kind == LayerKind.Permute).ToList();
        var gathers = graph.Node.Where(n => n.OpType == "Gather").ToList();
        Assert.Equal(14, permutations.Count);
        Assert.Equal(permutations.Count, gathers.Count);
        foreach (var (permutation, gather) in permutations.Zip(gathers))
        {
            Assert.Equal(1, gather.Attribute.Single(a => a.Name == "axis").I);
            var indices = graph.Initializer.Single(t => t.Name == gather.Input[1]);
            Assert.Equal((int)TensorProto.Types.DataType.Int64, indices.DataType);
            Assert.Equal(((ChannelPermutation)permutation.Module).Order, indices.Int64Data);
        }
        var groups = graph.Node.Where(n => n.OpType == "Conv").Select(n => n.Attribute.Single(a => a.Name == "group").I).ToArray();
        Assert.Equal(forms.Model.Arch.Blocks!.Select(b => (long)b), groups);
        Assert.Contains(4L, groups);
        Assert.DoesNotContain(graph.Node, n => n.OpType == "BatchNormalization");

        var x = TestNets.Inputs(8, seed: 5);
        var agreement = LogitAgreement.Of(onnx, new TorchClassifier(forms.Masked!), x);
        Assert.True(agreement.Relative <= 1e-4, $"ONNX Runtime logits differ from the masked network's by {agreement.Relative:G3} of max |logit|");
    }

    [Fact]
    public void Int8VggRunsOnInt8KernelsInOnnxRuntime()
    {
        // ONNX Runtime's optimised graph: every convolution that reads a quantized value and is requantized after its
        // ReLU becomes one int8 convolution (QLinearConv); only the first, whose input is the float image, stays float.
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        using var forms = ExportForms.Build("w8a8", TestNets.Vgg);
        var proto = OnnxExport.Build(forms.Model, forms.Extra, ExportForms.Info(forms.Model, "quantize"), new string('0', 64), "test.ckpt");
        File.WriteAllBytes(dir.File("model.onnx"), proto.ToByteArray());
        using (new OnnxClassifier(OnnxModelFile.Read(dir.File("model.onnx")), optimizedModelPath: dir.File("optimized.onnx"))) { }
        var optimized = ModelProto.Parser.ParseFrom(File.ReadAllBytes(dir.File("optimized.onnx")));
        int convs = forms.Model.AllNodes().Count(n => n.Kind == LayerKind.Conv);
        var ops = optimized.Graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(ops.GetValueOrDefault("QLinearConv") == convs - 1,
            $"expected {convs - 1} QLinearConv; optimised graph: {string.Join(", ", ops.Select(kv => $"{kv.Key} ×{kv.Value}"))}");
    }

    [Fact]
    public void MetadataCarriesWhatADeploymentNeeds()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempFolder();
        using var forms = ExportForms.Build("teacher", TestNets.Vgg);
        using var onnx = ExportAndLoad(forms, "teacher", dir);
        var p = onnx.File.Properties;
        Assert.Equal(forms.Model.Arch.ToString(), p[OnnxMetadata.Arch]);
        Assert.Equal(new string('0', 64), p[OnnxMetadata.SourceSha256]);
        Assert.Contains("class4", p[OnnxMetadata.ClassNames]);
        Assert.Contains("0.46", p[OnnxMetadata.Normalization]);
        Assert.Equal(TestNets.Normalization.Mean, onnx.File.Info.Normalization.Mean);
        Assert.Equal("batch", onnx.File.Model.Graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
    }
}
