using Apc.Compression.Pruning;
using Apc.Data;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;
using static Apc.Tests.Compression.Pruning.PruningTestNets;

namespace Apc.Tests.Compression.Pruning;

public class AttributionFilterCriterionTests
{
    const string Arch = "vgg11-bn:channels=3,M,4,M,4,4,M,5,5,M,4,6,M";

    /// <summary>Serves a data set's images in float64, so that finite differences are precise.</summary>
    sealed class Float64Images : IDataset
    {
        readonly IDataset inner;
        public Float64Images(IDataset inner) { this.inner = inner; }
        public string Name => inner.Name;
        public int Count => inner.Count;
        public IReadOnlyList<string> ClassNames => inner.ClassNames;
        public ImageShape Shape => inner.Shape;
        public Normalization Normalization => inner.Normalization;
        public bool HasMasks => inner.HasMasks;
        public byte[] GetDisplayImage(int index) => inner.GetDisplayImage(index);
        public Batch GetBatch(IReadOnlyList<int> indices, bool augment, Random? rng = null)
        {
            var b = inner.GetBatch(indices, augment, rng);
            var images = b.Images.to(ScalarType.Float64);
            b.Images.Dispose();
            return new Batch(images, b.Labels, b.Masks, b.Indices);
        }
    }

    static (ClassifierNet Model, ClassifierNet Teacher) Nets(ScalarType dtype)
    {
        var model = Build(Arch, seed: 4);
        Randomize(model, 5);
        var teacher = Build(Arch, seed: 6);
        Randomize(teacher, 8);
        model.to(dtype); teacher.to(dtype);
        model.eval(); teacher.eval();
        return (model, teacher);
    }

    [Fact]
    public void LastConvScoreIsTheLinearWeightOfTheTeachersClassTimesTheActivationSum()
    {
        // At 32 px the last ReLU is 2x2 and the last pool 1x1, so ∂z_c/∂A_k sums to W_fc[c, k] (the max-pool passes the
        // gradient to one position) and s_k = mean_b |W_fc[c_b, k]| · Σ_ij A_{b,k,ij} (A ≥ 0 after the ReLU).
        using var scope = NewDisposeScope();
        var (model, _) = Nets(ScalarType.Float32);
        using var _m = model;
        // The teacher is the model with its classes shifted by one (rows of the linear layer rolled), so its top-1
        // class always differs from the model's own: the score must follow the teacher's class.
        using var teacher = Clone(model);
        using (no_grad())
        {
            Param(teacher, "classifier.1.weight").copy_(Param(model, "classifier.1.weight").roll(-1, 0));
            Param(teacher, "classifier.1.bias").copy_(Param(model, "classifier.1.bias").roll(-1, 0));
        }
        var data = new TinyDataset(6, seed: 9);
        var group = PruningDependencies.Groups(model)[^1];
        var scores = new AttributionFilterCriterion(teacher, data, images: 6, batchSize: 4).Score(model, new[] { group })[group.Conv];

        using var batch = data.GetBatch(Enumerable.Range(0, 6).ToList(), augment: false);
        using var noGrad = no_grad();
        var classes = teacher.call(batch.Images).argmax(1);
        var ownClasses = model.call(batch.Images).argmax(1);
        Assert.False(classes.eq(ownClasses).any().item<bool>());
        var (_, acts) = model.ForwardCapturing(batch.Images, group.Activation);
        var activationSums = acts[group.Activation].sum(new long[] { 2, 3 });                // [B,K]
        var weight = Param(model, "classifier.1.weight");                                      // [classes, K]
        for (int k = 0; k < group.Channels; k++)
        {
            double expected = 0;
            for (int b = 0; b < 6; b++)
                expected += Math.Abs(weight[classes[b].item<long>(), k].item<float>()) * activationSums[b, k].item<float>();
            expected /= 6;
            Assert.Equal(expected, scores[k], 1e-5 * Math.Max(1, expected));
        }
    }

    [Fact]
    public void EveryLayersScoreMatchesFiniteDifferencesOfTheTeachersClassLogit()
    {
        // Definition check for every prunable conv: α_k = Σ_ij ∂z_c/∂A_kij is the derivative of z_c when the whole
        // channel k of the ReLU output is shifted by ε; s_k = mean_b Σ_ij |α_k A_kij|. Float64, central differences.
        using var scope = NewDisposeScope();
        var (model, teacher) = Nets(ScalarType.Float64);
        using var _m = model; using var _t = teacher;
        var data = new Float64Images(new TinyDataset(3, seed: 12));
        var groups = PruningDependencies.Groups(model);
        var scores = new AttributionFilterCriterion(teacher, data, images: 3, batchSize: 2).Score(model, groups);

        const double eps = 1e-6;
        using var noGrad = no_grad();
        foreach (var group in groups)
        {
            var expected = new double[group.Channels];
            for (int b = 0; b < 3; b++)
            {
                using var batch = data.GetBatch(new[] { b }, augment: false);
                long c = teacher.call(batch.Images).argmax(1).item<long>();
                var (_, acts) = model.ForwardCapturing(batch.Images, group.Activation);
                var activation = acts[group.Activation];
                for (int k = 0; k < group.Channels; k++)
                {
                    double Shifted(double delta) => model.Forward(batch.Images, (name, output) =>
                    {
                        if (name != group.Activation) return output;
                        var shift = zeros_like(output);
                        shift[.., k].fill_(delta);
                        return output + shift;
                    })[0, c].item<double>();
                    double alpha = (Shifted(eps) - Shifted(-eps)) / (2 * eps);
                    expected[k] += (activation[0, k] * alpha).abs().sum().item<double>() / 3;
                }
            }
            for (int k = 0; k < group.Channels; k++)
                Assert.True(Math.Abs(expected[k] - scores[group.Conv][k]) <= 1e-6 * Math.Max(1, Math.Abs(expected[k])),
                    $"{group.DisplayName} filter {k}: finite differences {expected[k]}, criterion {scores[group.Conv][k]}");
        }
    }

    [Fact]
    public void AttributionPlanKeepsTheHighestScoringFiltersAndLeavesTheModelAsItWas()
    {
        var (model, teacher) = Nets(ScalarType.Float32);
        using var _m = model; using var _t = teacher;
        model.train();
        var criterion = new AttributionFilterCriterion(teacher, new TinyDataset(8, seed: 3), images: 8, batchSize: 8);
        var plan = PruningPlan.FromRatios(model, criterion, new Dictionary<string, double> { ["conv5_2"] = 0.5 });
        var layer = plan.Layers.Single();
        Assert.Equal(3, layer.Kept.Count);
        var threshold = layer.Kept.Min(i => layer.Scores[i]);
        var removed = Enumerable.Range(0, 6).Except(layer.Kept);
        Assert.All(removed, i => Assert.True(layer.Scores[i] <= threshold));
        Assert.True(model.training, "the criterion must restore train mode");
        Assert.Equal("attribution", plan.Criterion);
    }
}
