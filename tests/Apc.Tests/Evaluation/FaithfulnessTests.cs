using Apc.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Evaluation;

public class FaithfulnessTests
{
    /// <summary>A "model" whose class-0 logit is Σ w·x over channels and pixels and whose class-1 logit is its negation.</summary>
    private static Func<Tensor, Tensor> LinearModel(Tensor weights, List<long>? batchSizes = null) => x =>
    {
        batchSizes?.Add(x.shape[0]);
        var z = (x * weights).sum([1, 2, 3]);
        return stack([z, -z], 1);
    };

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    private static Tensor Weights2x2() => tensor(new float[] { 0.4f, 0.1f, 0.3f, 0.2f }).view(1, 1, 2, 2);

    [Fact]
    public void DeletionCurveMatchesAHandComputation()
    {
        using var scope = NewDisposeScope();
        var w = Weights2x2();
        // Map = weights: pixels go in the order 0.4, 0.3, 0.2, 0.1; the logit falls 1.0, 0.6, 0.3, 0.1, 0.
        var curves = Faithfulness.Deletion(LinearModel(w), ones(1, 1, 2, 2), tensor(new long[] { 0 }), w.view(1, 2, 2),
            new FaithfulnessOptions(Steps: 4));

        double[] logits = [1.0, 0.6, 0.3, 0.1, 0.0];
        Assert.Equal([0, 0.25, 0.5, 0.75, 1], curves.Fractions);
        for (int s = 0; s < 5; s++) Assert.Equal(Sigmoid(logits[s]), curves.Scores[0][s], 6);
        double area = 0;
        for (int s = 0; s < 4; s++) area += 0.25 * (Sigmoid(logits[s]) + Sigmoid(logits[s + 1])) / 2;
        Assert.Equal(area, curves.Auc[0], 6);
    }

    [Fact]
    public void TiedAttributionsAreRemovedInRowMajorOrder()
    {
        using var scope = NewDisposeScope();
        var w = Weights2x2();
        var curves = Faithfulness.Deletion(LinearModel(w), ones(1, 1, 2, 2), tensor(new long[] { 0 }), ones(1, 2, 2),
            new FaithfulnessOptions(Steps: 4));
        double[] logits = [1.0, 0.6, 0.5, 0.2, 0.0]; // remove 0.4, 0.1, 0.3, 0.2 in turn
        for (int s = 0; s < 5; s++) Assert.Equal(Sigmoid(logits[s]), curves.Scores[0][s], 6);
    }

    [Fact]
    public void AFaithfulMapDeletesDownhillAndBeatsTheReversedMap()
    {
        using var scope = NewDisposeScope();
        var generator = new Random(11);
        var w = tensor(Enumerable.Range(0, 2 * 16).Select(_ => (float)(0.05 + generator.NextDouble())).ToArray()).view(1, 2, 4, 4);
        var x = ones(1, 2, 4, 4);
        var map = w.sum(1); // per-pixel contribution over both channels
        var target = tensor(new long[] { 0 });
        var model = LinearModel(w);
        var options = new FaithfulnessOptions(Steps: 16, BaselineValue: 0.25);

        var faithful = Faithfulness.Deletion(model, x, target, map, options);
        var reversed = Faithfulness.Deletion(model, x, target, -map, options);

        for (int s = 0; s < 16; s++) Assert.True(faithful.Scores[0][s + 1] < faithful.Scores[0][s]);
        Assert.True(faithful.Auc[0] < reversed.Auc[0]);
        double full = w.sum().item<float>();
        Assert.Equal(Sigmoid(full), faithful.Scores[0][0], 6);        // the input itself
        Assert.Equal(Sigmoid(0.25 * full), faithful.Scores[0][16], 6); // the baseline everywhere

        var inserted = Faithfulness.Insertion(model, x, target, map, options);
        var insertedReversed = Faithfulness.Insertion(model, x, target, -map, options);
        Assert.Equal(Sigmoid(0.25 * full), inserted.Scores[0][0], 6);
        Assert.Equal(Sigmoid(full), inserted.Scores[0][16], 6);
        Assert.True(inserted.Auc[0] > insertedReversed.Auc[0]);
    }

    [Fact]
    public void EachStepIsOneBatchedForwardAndSamplesUseTheirOwnTarget()
    {
        using var scope = NewDisposeScope();
        var w = Weights2x2();
        var calls = new List<long>();
        var inputs = cat([ones(1, 1, 2, 2), full(1, 1, 2, 2, 2f)], 0);
        var maps = cat([w.view(1, 2, 2), -w.view(1, 2, 2)], 0);
        var targets = tensor(new long[] { 0, 1 });
        var options = new FaithfulnessOptions(Steps: 3);

        var batched = Faithfulness.Deletion(LinearModel(w, calls), inputs, targets, maps, options);

        Assert.Equal(Enumerable.Repeat(2L, 4), calls);
        Assert.Equal([0, 0.25, 0.5, 1], batched.Fractions); // ⌊s·4/3⌋ pixels of 4
        for (int b = 0; b < 2; b++)
        {
            var single = Faithfulness.Deletion(LinearModel(w), inputs[b].unsqueeze(0), targets[b].unsqueeze(0), maps[b].unsqueeze(0), options);
            Assert.Equal(single.Scores[0], batched.Scores[b]);
            Assert.Equal(single.Auc[0], batched.Auc[b]);
        }
        Assert.Equal(Sigmoid(-2.0), batched.Scores[1][0], 6); // class 1 is the negated sum, 2·1.0
    }

    [Fact]
    public void BlurredBaselineKeepsMassAndLeavesFlatImagesUnchanged()
    {
        using var scope = NewDisposeScope();
        var w = ones(1, 1, 15, 15);
        var map = rand(1, 15, 15);
        var target = tensor(new long[] { 0 });
        var options = new FaithfulnessOptions(Steps: 4, BlurSigma: 1.5);

        // A flat image blurs to itself (borders are replicated): nothing changes along the curve.
        var flat = Faithfulness.Deletion(LinearModel(w), full(1, 1, 15, 15, 0.01f), target, map, options);
        Assert.All(flat.Scores[0], score => Assert.Equal(Sigmoid(0.01 * 225), score, 5));

        // An impulse far from the border blurs into a normalised bump of the same total.
        var impulse = zeros(1, 1, 15, 15);
        impulse[0, 0, 7, 7] = tensor(1f);
        var spread = Faithfulness.Deletion(LinearModel(w), impulse, target, map, options);
        Assert.Equal(Sigmoid(1), spread.Scores[0][4], 5);
    }

    [Fact]
    public void BadInputGivesAClearError()
    {
        using var scope = NewDisposeScope();
        var w = Weights2x2();
        var x = ones(1, 1, 2, 2);
        var map = ones(1, 2, 2);
        var target = tensor(new long[] { 0 });
        Assert.Contains("inputs must have shape", Assert.Throws<ApcException>(() => Faithfulness.Deletion(LinearModel(w), ones(1, 1, 3, 2), target, map)).Message);
        Assert.Contains("targets", Assert.Throws<ApcException>(() => Faithfulness.Deletion(LinearModel(w), x, tensor(new float[] { 0 }), map)).Message);
        Assert.Contains("outside [0,2)", Assert.Throws<ApcException>(() => Faithfulness.Insertion(LinearModel(w), x, tensor(new long[] { 2 }), map)).Message);
        Assert.Contains("model returned logits", Assert.Throws<ApcException>(() => Faithfulness.Deletion(t => t.sum(), x, target, map)).Message);
        Assert.Contains("steps", Assert.Throws<UsageException>(() => Faithfulness.Deletion(LinearModel(w), x, target, map, new FaithfulnessOptions(Steps: 0))).Message);
        Assert.Contains("sigma", Assert.Throws<UsageException>(() => Faithfulness.Deletion(LinearModel(w), x, target, map, new FaithfulnessOptions(BlurSigma: 0))).Message);
    }
}
