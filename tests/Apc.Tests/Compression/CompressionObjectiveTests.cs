using Apc.Compression;
using Apc.Matching;
using Apc.Models;
using Apc.Tests.Matching;
using Apc.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Compression;

/// <summary>The compression loss is composed in one place (<see cref="CompressionObjective"/>, <see cref="LossTerms"/>):
/// its value is the weighted sum of independently computed terms, and its gradient is bit for bit that of the formula
/// the matcher and the objective used to split between them, β·(Σ_l w_l·L_AM(l)) added to (1−α)·BCE + α·KD.</summary>
public class CompressionObjectiveTests
{
    const double Alpha = 0.9, Temperature = 4, Beta = 30;

    static Tensor Labels() => tensor(new float[] { 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0 }).view(4, 3);

    static IAttributionMatcher Matcher(string kind = MatchingKind.Wcam) =>
        Matchers.Create(new MatcherOptions(kind, Beta, Layers: LayerWeight.ParseList("pool5:1,relu5_2:0.5")));

    [Theory]
    [InlineData(MatchingKind.Wcam)]
    [InlineData(MatchingKind.At)]
    public void LossEqualsTheHandSumOfIndependentlyComputedTerms(string kind)
    {
        using var teacher = MatchingNets.Create(seed: 1);
        using var student = MatchingNets.Create(MatchingNets.Narrow, seed: 2);
        student.eval();
        var images = MatchingNets.Images();
        var labels = Labels();
        var matcher = Matcher(kind);
        var objective = new CompressionObjective(teacher, matcher, new DistillationOptions(Alpha: Alpha, Temperature: Temperature));
        var parts = new Dictionary<string, double>();
        var terms = objective.Terms(student, images, labels, parts);
        Assert.Equal(new[] { ("bce", 1 - Alpha), ("kd", Alpha), ("l_am", Beta) }, terms.Select(t => (t.Name, t.Weight)));
        double total = LossTerms.Sum(terms, parts).ToDouble();

        // Each term from separate forwards and the matcher's inspection maps (no graph).
        using var _ = no_grad();
        var s = student.call(images);
        var t = teacher.call(images);
        double bce = MultiLabelLoss.Compute(s, labels).ToDouble();
        double kd = BinaryDistillation.Loss(s, t, Temperature).ToDouble();
        var maps = ((MapMatcher)matcher).Maps(teacher, student, images);
        double lam = maps.Sum(m => m.Weight * CollapsedMaps.Distance(m.Teacher, m.Student).ToDouble());
        foreach (var m in maps) m.Dispose();
        Assert.True(lam > 0 && kd > 0 && bce > 0);
        Assert.Equal((1 - Alpha) * bce + Alpha * kd + Beta * lam, total, 4);
        Assert.Equal(bce, parts["bce"], 5);
        Assert.Equal(kd, parts["kd"], 5);
        Assert.Equal(lam, parts["l_am"], 5);
        Assert.Equal(Beta * lam, parts["match"], 4);
    }

    [Fact]
    public void WithoutMatchingOrDistillationOnlyTheTaskTermRemains()
    {
        using var teacher = MatchingNets.Create(seed: 1);
        using var student = MatchingNets.Create(seed: 2);
        student.eval();
        var images = MatchingNets.Images();
        var parts = new Dictionary<string, double>();
        var terms = new CompressionObjective(teacher, NoMatching.Instance).Terms(student, images, Labels(), parts);
        var only = Assert.Single(terms);
        Assert.Equal(("bce", 1.0), (only.Name, only.Weight));
        using var _ = no_grad();
        Assert.Equal(MultiLabelLoss.Compute(student.call(images), Labels()).ToDouble(), LossTerms.Sum(terms).ToDouble(), 6);
        Assert.False(parts.ContainsKey("match"));
    }

    /// <summary>Gradients of the composed loss and of the former formula, built from the same matching step in the same
    /// order of operations, are equal exactly (training mode, so batch statistics and dropout are in the graph).</summary>
    [Fact]
    public void GradientEqualsTheFormerFormulasExactly()
    {
        using var teacher = MatchingNets.Create(seed: 1);
        using var student = MatchingNets.Create(MatchingNets.Narrow, seed: 2);
        student.train();
        var images = MatchingNets.Images();
        var labels = Labels();
        var matcher = Matcher();
        var objective = new CompressionObjective(teacher, matcher, new DistillationOptions(Alpha: Alpha, Temperature: Temperature));
        manual_seed(5);
        using var step = matcher.Step(teacher, student, images);
        var composed = LossTerms.Sum(objective.Terms(step, images, labels, new Dictionary<string, double>()));

        // Before: the matcher returned β·(d_1·w_1 + d_2·w_2); the objective added it to BCE·(1−α) + KD·α.
        var layers = step.Layers;
        var matching = layers[0].Value * layers[0].Weight + layers[1].Value * layers[1].Weight;
        var former = MultiLabelLoss.Compute(step.StudentLogits, labels) * (1 - Alpha)
                     + BinaryDistillation.Loss(step.StudentLogits, step.TeacherLogits!, Temperature) * Alpha
                     + matching * Beta;
        Assert.Equal(former.item<float>(), composed.item<float>());

        var parameters = student.parameters().ToArray();
        var a = autograd.grad(new[] { composed }, parameters, retain_graph: true);
        var b = autograd.grad(new[] { former }, parameters);
        Assert.True(a.Sum(g => g.abs().sum().ToDouble()) > 0);
        for (int i = 0; i < parameters.Length; i++)
            Assert.Equal(b[i].data<float>().ToArray(), a[i].data<float>().ToArray());
    }

    [Fact]
    public void WeightsMustBeFiniteAndATermListNonEmpty()
    {
        Assert.Throws<ArgumentException>(() => LossTerms.Sum(Array.Empty<LossTerm>()));
        var e = Assert.Throws<ArgumentException>(() => LossTerms.Sum(new[] { new LossTerm("kd", double.NaN, tensor(1f)) }));
        Assert.Contains("'kd'", e.Message);
        Assert.Equal(2 * 3 + 0.5 * 4, LossTerms.Sum(new[] { new LossTerm("a", 2, tensor(3f)), new LossTerm("b", 0.5, tensor(4f)) }).ToDouble());
    }
}
