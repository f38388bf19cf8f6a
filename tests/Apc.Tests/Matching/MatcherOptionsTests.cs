using Apc.Compression;
using Apc.Matching;
using static TorchSharp.torch;

namespace Apc.Tests.Matching;

public class MatcherOptionsTests
{
    [Fact]
    public void NamesForTables()
    {
        Assert.Equal("none", Matchers.Create(new MatcherOptions()).Name);
        Assert.Equal("at", Matchers.Create(new MatcherOptions(MatchingKind.At)).Name);
        Assert.Equal("wcam", Matchers.Create(new MatcherOptions(MatchingKind.Wcam)).Name);
        Assert.Equal("wcam+drop0.3", Matchers.Create(new MatcherOptions(MatchingKind.Wcam, Drop: 0.3)).Name);
        Assert.Equal("wcam+positives", new MatcherOptions(MatchingKind.Wcam, Classes: MatchingClasses.Positives).Name);
        Assert.IsType<NoMatching>(Matchers.Create(new MatcherOptions()));
        Assert.Equal(100, new MatcherOptions().Weight);
    }

    [Fact]
    public void LayerListsParseAndRoundTrip()
    {
        var list = LayerWeight.ParseList("pool5:1, pool4:0.5,conv3_1");
        Assert.Equal(new[] { new LayerWeight("pool5", 1), new LayerWeight("pool4", 0.5), new LayerWeight("conv3_1", 1) }, list);
        Assert.Equal(list, LayerWeight.ParseList(LayerWeight.Format(list)));
        Assert.Equal(LayerWeight.DefaultList, LayerWeight.ParseList(null));
        Assert.Equal(LayerWeight.DefaultList, LayerWeight.ParseList(" "));
    }

    [Theory]
    [InlineData("pool5:x", "not a number")]
    [InlineData("pool5:-1", "positive")]
    [InlineData(":1", "no layer name")]
    [InlineData("pool5,pool5:2", "twice")]
    public void BadLayerListsAreUsageErrors(string text, string expected)
    {
        var e = Assert.Throws<UsageException>(() => LayerWeight.ParseList(text));
        Assert.Contains("--match-layers", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void InconsistentOptionsAreUsageErrors()
    {
        Assert.Contains("valid: none, wcam, at", Assert.Throws<UsageException>(() => MatcherOptions.ParseKind("gradcam")).Message);
        Assert.Contains("top1, positives", Assert.Throws<UsageException>(() => MatcherOptions.ParseClasses("all")).Message);
        Assert.Throws<UsageException>(() => Matchers.Create(new MatcherOptions(MatchingKind.At, Drop: 0.3)));
        Assert.Throws<UsageException>(() => Matchers.Create(new MatcherOptions(MatchingKind.Wcam, Drop: 1)));
        Assert.Throws<UsageException>(() => Matchers.Create(new MatcherOptions(MatchingKind.Wcam, Weight: -1)));
        Assert.Throws<UsageException>(() => Matchers.Create(new MatcherOptions(MatchingKind.At, Classes: MatchingClasses.Positives)));
    }

    [Fact]
    public void NoMatchingRunsOnlyTheStudentAndAddsNothing()
    {
        using var teacher = MatchingNets.Frozen(MatchingNets.Create(seed: 1));
        using var student = MatchingNets.Create(seed: 2);
        student.eval();
        var images = MatchingNets.Images(batch: 2);
        var parts = new Dictionary<string, double>();
        using var step = NoMatching.Instance.Step(teacher, student, images);
        Assert.Null(step.TeacherLogits);
        Assert.Empty(step.Layers);
        Assert.Null(CompressionObjective.MatchingTerm(NoMatching.Instance, step, parts));
        Assert.Empty(parts);
        using var _ = no_grad();
        TensorAssert.Close(student.call(images), step.StudentLogits.detach());
    }

    /// <summary>The compression objective reuses the matcher's forward passes: its value is (1−α)·BCE + α·KD + β·L_AM
    /// computed from separate forwards.</summary>
    [Fact]
    public void CompressionObjectiveSharesTheMatchersForwardPasses()
    {
        using var teacher = MatchingNets.Create(seed: 1);
        using var student = MatchingNets.Create(MatchingNets.Narrow, seed: 2);
        student.eval();
        var images = MatchingNets.Images();
        var labels = tensor(new float[] { 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0 }).view(4, 3);
        var matcher = Matchers.Create(new MatcherOptions(MatchingKind.Wcam));
        var objective = new CompressionObjective(teacher, matcher, new DistillationOptions(Alpha: 0.9, Temperature: 4));
        var parts = new Dictionary<string, double>();
        var total = objective.Loss(student, images, labels, parts).item<float>();

        using var _ = no_grad();
        var s = student.call(images);
        var t = teacher.call(images);
        var bce = Apc.Training.MultiLabelLoss.Compute(s, labels).item<float>();
        var kd = BinaryDistillation.Loss(s, t, 4).item<float>();
        Assert.Equal(bce, parts["bce"], 5);
        Assert.Equal(kd, parts["kd"], 5);
        Assert.Equal(0.1 * bce + 0.9 * kd + parts["match"], total, 4);
        Assert.True(parts["match"] > 0);
    }
}
