using Apc.Attribution;
using Apc.Attribution.Propagation;
using Apc.Compression.Quantization;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Attribution;

/// <summary>LRP, Excitation Backprop (plain and contrastive) and RAP explain exactly the function that produces the
/// logits, for every compressed form: the canonical network's forward is the model's forward, relevance starts from the
/// model's own logit, and the rules' conservation laws hold on the quantized arithmetic.</summary>
public class CompressedPropagationTests
{
    public static readonly string[] Forms =
        { "ptq-a2", "ptq-a8", "qat-a2", "qat-a8", "structured", "unstructured", "pipeline" };

    public static readonly string[] Methods = { "lrp", "eb", "contrastive-eb", "rap" };

    public static TheoryData<string, string> FormsAndArchs()
    {
        var data = new TheoryData<string, string>();
        foreach (var form in Forms) foreach (var arch in new[] { TestNets.Vgg, TestNets.ResNet }) data.Add(form, arch);
        return data;
    }

    public static TheoryData<string, string, string> FormsMethodsAndArchs()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var form in Forms)
            foreach (var method in Methods)
                foreach (var arch in new[] { TestNets.Vgg, TestNets.ResNet }) data.Add(form, method, arch);
        return data;
    }

    [Theory]
    [MemberData(nameof(FormsAndArchs))]
    public void CanonicalForwardIsTheModelsForward(string form, string arch)
    {
        using var scope = NewDisposeScope();
        using var compressed = Compressed.Build(form, arch);
        var model = compressed.Model;
        var x = TestNets.Inputs(4, seed: 5);
        using var network = CanonicalNetwork.From(model);
        using var _ = no_grad();
        var expected = model.call(x);
        var actual = network.Forward(x);
        Assert.True(TestNets.RelativeError(actual, expected) <= 1e-6, $"relative error {TestNets.RelativeError(actual, expected)}");
        if (compressed.Quantized)
        {
            // The activation quantizers matter on these inputs: without them the logits differ (what the canonical
            // network computed before it applied the model's quantization).
            var tap = model.ActivationTap;
            model.ActivationTap = null;
            var unquantized = model.call(x);
            model.ActivationTap = tap;
            Assert.True(TestNets.RelativeError(unquantized, expected) > 1e-3, "degenerate test: quantization changes nothing");
        }
    }

    [Theory]
    [MemberData(nameof(FormsMethodsAndArchs))]
    public void RelevanceStartsAtTheModelsOwnLogitAndIsConserved(string form, string method, string arch)
    {
        using var scope = NewDisposeScope();
        using var compressed = Compressed.Build(form, arch);
        var model = compressed.Model;
        var x = TestNets.Inputs(3, seed: 7);
        var targets = TestNets.Targets(1, 4, 0);
        float[] logits;
        using (no_grad()) logits = TestNets.Values(model.call(x).gather(1, targets.unsqueeze(1)).squeeze(1));

        var (composite, start, readout) = Setup(method, model);
        float[]? initial = null;
        var relevance = RelevancePropagator.Propagate(model, x, targets, composite, start, readout, (_, r) =>
            initial ??= TestNets.Values(r.reshape(r.shape[0], -1).sum(1)));
        var totals = TestNets.Values(relevance.reshape(relevance.shape[0], -1).sum(1));

        for (int b = 0; b < logits.Length; b++)
        {
            // What the walk starts from: the target logit (LRP, RAP) or 1 (EB), of the model itself.
            float expectedStart = start == InitialRelevance.TargetLogit ? logits[b] : 1f;
            Assert.True(Math.Abs(initial![b] - expectedStart) <= 1e-6 * Math.Max(1, Math.Abs(expectedStart)),
                $"sample {b}: relevance starts at {initial[b]}, the model's target logit is {logits[b]}");
            // Conservation (every bias is zero here): LRP and RAP hand the logit to the input, EB a probability of 1 to
            // its readout layer, contrastive EB a signal summing to 0.
            float expectedTotal = method switch { "contrastive-eb" => 0f, "eb" => 1f, _ => logits[b] };
            Assert.True(Math.Abs(totals[b] - expectedTotal) <= 1e-4 * Math.Max(1, Math.Abs(expectedTotal)),
                $"sample {b}: total relevance {totals[b]}, expected {expectedTotal}");
        }
    }

    [Fact]
    public void PropagationRefusesAModelWhoseForwardItCannotReproduce()
    {
        using var scope = NewDisposeScope();
        using var model = new ShiftedNet();
        var x = rand(2, 1, 4, 4);
        var lrp = new LayerwiseRelevancePropagation(new AttributionOptions());
        var error = Assert.Throws<ApcException>(() => lrp.Attribute(model, x, TestNets.Targets(0, 1)));
        Assert.Contains("does not reproduce the model's logits", error.Message);
    }

    [Fact]
    public void GradCamRunsThroughTheQuantizedForward()
    {
        // Grad-CAM of a 2-bit-activation network against a hand computation that chains the modules itself and
        // fake-quantizes each quantization point with the model's own grids (gradients straight through).
        using var scope = NewDisposeScope();
        using var compressed = Compressed.Build("ptq-a2", TestNets.Vgg);
        var model = compressed.Model;
        var x = TestNets.Inputs(3, seed: 12);
        var classes = new long[] { 4, 0, 2 };
        var actual = new GradCam(new AttributionOptions()).Attribute(model, x, tensor(classes));

        var grids = compressed.Activations!.Grids();
        var layer = model.DefaultAttributionLayer;
        Tensor activations, gradients;
        using (enable_grad())
        {
            Tensor h = x.detach().requires_grad_(true), captured = h;
            foreach (var node in model.Nodes.Cast<LayerNode>())
            {
                h = node.Module.call(h);
                if (grids.TryGetValue(node.Name, out var grid)) h = grid.FakeQuantize(h);
                if (node.Name == layer) captured = h;
            }
            var score = h.gather(1, tensor(classes).unsqueeze(1)).sum();
            gradients = autograd.grad(new[] { score }, new[] { captured })[0];
            activations = captured.detach();
        }
        var map = (gradients.mean(new long[] { 2, 3 }, keepdim: true) * activations).sum(1).relu();
        var expected = nn.functional.interpolate(map.unsqueeze(1), new long[] { TestNets.Size, TestNets.Size },
            mode: InterpolationMode.Bilinear, align_corners: false).squeeze(1);
        Assert.True(TestNets.MaxAbs(expected) > 0, "degenerate test: the hand map is all zero");
        Assert.True(TestNets.RelativeError(actual, expected) < 1e-5, $"relative error {TestNets.RelativeError(actual, expected)}");

        // And the quantization is visible in it: the float network's map differs.
        var tap = model.ActivationTap;
        model.ActivationTap = null;
        var unquantized = new GradCam(new AttributionOptions()).Attribute(model, x, tensor(classes));
        model.ActivationTap = tap;
        Assert.True(TestNets.RelativeError(unquantized, actual) > 1e-3);
    }

    static (RuleComposite Composite, InitialRelevance Start, string? Readout) Setup(string method, ClassifierNet model)
    {
        var options = new AttributionOptions { Normalization = TestNets.Normalization };
        return method switch
        {
            "lrp" => (new LayerwiseRelevancePropagation(options).Composite(3), InitialRelevance.TargetLogit, null),
            "rap" => (new RelativeAttributingPropagation(options).Composite(3), InitialRelevance.TargetLogit, null),
            "eb" => (new ExcitationBackprop(options).Composite(), InitialRelevance.TargetOne, model.DefaultAttributionLayer),
            "contrastive-eb" => (new ExcitationBackprop(options with { Contrastive = true }).Composite(), InitialRelevance.TargetOne,
                model.DefaultAttributionLayer),
            _ => throw new ArgumentException(method),
        };
    }

    /// <summary>A test network built with every bias zero (so that every rule conserves), then compressed. Owns the
    /// model and whatever keeps its quantization state.</summary>
    sealed class Compressed : IDisposable
    {
        Compressed(ClassifierNet model) { Model = model; }

        public ClassifierNet Model { get; private set; }
        public ActivationQuantization? Activations { get; private set; }
        public bool Quantized => Activations is not null;
        MasterWeights? masters;

        public static Compressed Build(string form, string arch)
        {
            var result = new Compressed(TestNets.Build(arch, seed: 3, zeroBiases: true));
            switch (form)
            {
                case "ptq-a2": result.Quantize(weightBits: 4, activationBits: 2, qat: false); break;
                case "ptq-a8": result.Quantize(weightBits: 8, activationBits: 8, qat: false); break;
                case "qat-a2": result.Quantize(weightBits: 4, activationBits: 2, qat: true); break;
                case "qat-a8": result.Quantize(weightBits: 8, activationBits: 8, qat: true); break;
                case "structured": result.PruneChannels(0.5); break;
                case "unstructured": result.PruneWeights(0.7); break;
                case "pipeline":
                    // Milder steps: all three at full strength leave a network whose target logits have no positive
                    // contributions at all, where α1β0 and EB have nothing to distribute.
                    result.PruneChannels(0.3);
                    result.PruneWeights(0.5);
                    result.Quantize(weightBits: 8, activationBits: 4, qat: false);
                    break;
                default: throw new ArgumentException(form);
            }
            return result;
        }

        /// <summary>Post-training quantization (frozen grids), or the state during quantization-aware training: master
        /// weights and grids that follow the calibrated ranges (tracking mode, evaluated in eval mode).</summary>
        void Quantize(int weightBits, int activationBits, bool qat)
        {
            if (qat) masters = new MasterWeights(Model, weightBits);
            else foreach (var t in QuantizedModel.QuantizeWeights(Model, weightBits).Values) t.Dispose();
            Activations = ActivationQuantization.Calibrate(Model, activationBits);
            using (no_grad())
            using (var calibration = TestNets.Inputs(6, seed: 21))
                Model.call(calibration).Dispose();
            if (qat) Activations.Track();
            else Activations.Freeze();
        }

        void PruneChannels(double ratio) => Model = TestNets.PruneChannels(Model, ratio);

        void PruneWeights(double sparsity) => TestNets.PruneWeights(Model, sparsity);

        public void Dispose()
        {
            masters?.Dispose();
            Model.Dispose();
        }
    }

    /// <summary>A network whose forward adds 1 to the logits its layers compute: no canonical network can reproduce it.</summary>
    sealed class ShiftedNet : ClassifierNet
    {
        readonly List<ModelNode> nodes = new();
        readonly TorchSharp.Modules.Flatten flatten = nn.Flatten();
        readonly TorchSharp.Modules.Linear fc = nn.Linear(16, 2);

        public ShiftedNet() : base("ShiftedNet", new ModelConfig(new ArchSpec("test", 0), 1, 2, 4))
        {
            register_module("flatten", flatten);
            register_module("fc", fc);
            nodes.Add(new LayerNode("flatten", LayerKind.Flatten, flatten));
            nodes.Add(new LayerNode("fc", LayerKind.Linear, fc));
            eval();
        }

        public override IReadOnlyList<ModelNode> Nodes => nodes;
        public override string DefaultAttributionLayer => "flatten";
        public override string DefaultMatchingLayer => "flatten";
        public override Tensor forward(Tensor input) => base.forward(input) + 1;
    }
}
