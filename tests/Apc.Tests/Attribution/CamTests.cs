using Apc.Attribution;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Attribution;

/// <summary>The CAM family against the formulas computed by hand: activations from modules chained by the test,
/// gradients one sample at a time, weights and maps in plain loops.</summary>
public class CamTests
{
    [Theory]
    [InlineData("gradcam", TestNets.Vgg, "relu1_1")]     // 32x32: no resizing, the map is the formula itself
    [InlineData("gradcam", TestNets.Vgg, null)]
    [InlineData("gradcam", TestNets.ResNet, null)]
    [InlineData("gradcam", TestNets.ResNet, "layer2")]
    [InlineData("gradcam++", TestNets.Vgg, "relu2_1")]
    [InlineData("gradcam++", TestNets.ResNet, null)]
    [InlineData("wcam", TestNets.Vgg, null)]             // the matching layer: pool5
    [InlineData("wcam", TestNets.ResNet, "layer3")]
    public void MapEqualsTheHandComputation(string method, string arch, string? layer)
    {
        using var scope = NewDisposeScope();
        using var model = TestNets.Build(arch, seed: 11);
        var x = TestNets.Inputs(3, seed: 12);
        var targets = TestNets.Targets(4, 0, 2);
        var options = new AttributionOptions { Layer = layer };
        var actual = AttributionMethods.Create(method, options).Attribute(model, x, targets);

        var canonical = model.ResolveLayer(layer ?? (method == "wcam" ? model.DefaultMatchingLayer : model.DefaultAttributionLayer));
        var (activations, gradients) = HandActivationsAndGradients(model, x, new long[] { 4, 0, 2 }, canonical);
        var expected = HandMap(method, activations, gradients);
        if (expected.shape[1] != TestNets.Size)
            expected = nn.functional.interpolate(expected.unsqueeze(1), new long[] { TestNets.Size, TestNets.Size },
                mode: InterpolationMode.Bilinear, align_corners: false).squeeze(1);
        Assert.Equal(new long[] { 3, TestNets.Size, TestNets.Size }, actual.shape);
        Assert.True(TestNets.MaxAbs(expected) > 0, "degenerate test: the hand map is all zero");
        Assert.True(TestNets.RelativeError(actual, expected) < 1e-5, $"relative error {TestNets.RelativeError(actual, expected)}");
    }

    /// <summary>Runs the model's modules one by one, cutting the graph at <paramref name="layer"/> so that its output is a
    /// leaf; the gradient of each sample's target logit is taken separately.</summary>
    static (Tensor Activations, Tensor Gradients) HandActivationsAndGradients(ClassifierNet model, Tensor x, long[] targets, string layer)
    {
        Tensor? leaf = null;
        Tensor Run(IReadOnlyList<ModelNode> nodes, Tensor h)
        {
            foreach (var node in nodes)
            {
                h = node switch
                {
                    LayerNode l => l.Module.call(h),
                    ResidualNode r => Run(r.Main, h) + Run(r.Shortcut, h),
                    _ => throw new InvalidOperationException(),
                };
                if (node.Name == layer) h = leaf = h.detach().requires_grad_(true);
            }
            return h;
        }
        var logits = Run(model.Nodes, x);
        Assert.NotNull(leaf);
        var rows = new List<Tensor>();
        for (int b = 0; b < targets.Length; b++)
            rows.Add(autograd.grad(new[] { logits[b, targets[b]] }, new[] { leaf! }, retain_graph: true)[0][b]);
        return (leaf!.detach(), stack(rows));
    }

    static Tensor HandMap(string method, Tensor activations, Tensor gradients)
    {
        int batch = (int)activations.shape[0], channels = (int)activations.shape[1], h = (int)activations.shape[2], w = (int)activations.shape[3];
        var a = TestNets.Values(activations);
        var g = TestNets.Values(gradients);
        int At(int b, int k, int i, int j) => ((b * channels + k) * h + i) * w + j;
        var map = new float[batch * h * w];
        for (int b = 0; b < batch; b++)
        {
            var weights = new double[channels];
            for (int k = 0; k < channels; k++)
            {
                double sum = 0, activationSum = 0, plusPlus = 0;
                for (int i = 0; i < h; i++) for (int j = 0; j < w; j++) { sum += g[At(b, k, i, j)]; activationSum += a[At(b, k, i, j)]; }
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < w; j++)
                    {
                        double gij = g[At(b, k, i, j)], denominator = 2 * gij * gij + activationSum * gij * gij * gij;
                        if (denominator != 0) plusPlus += gij * gij / denominator * Math.Max(gij, 0);
                    }
                weights[k] = method switch { "gradcam" => sum / (h * w), "wcam" => sum, "gradcam++" => plusPlus, _ => throw new ArgumentException(method) };
            }
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                {
                    double v = 0;
                    for (int k = 0; k < channels; k++) v += weights[k] * a[At(b, k, i, j)];
                    map[(b * h + i) * w + j] = (float)Math.Max(v, 0);
                }
        }
        return tensor(map).reshape(batch, h, w);
    }
}
