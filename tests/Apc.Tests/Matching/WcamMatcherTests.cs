using Apc.Compression;
using Apc.Matching;
using Apc.Training;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Matching;

public class WcamMatcherTests
{
    static MatcherOptions Wcam(string layers = "pool5", double drop = 0, MatchingClasses classes = MatchingClasses.Top1, double weight = 100) =>
        new(MatchingKind.Wcam, weight, drop, LayerWeight.ParseList(layers), classes, Seed: 11);

    static Tensor LinearWeight(ClassifierNet model) =>
        ((TorchSharp.Modules.Linear)((LayerNode)model.Node("fc")).Module).weight!;

    /// <summary>At VGG's last pool z = W·vec(A) + b (dropout is the identity in eval mode), so ∂z_c/∂A = W_c reshaped
    /// to [K,H,W]: the map can be computed by hand from the linear layer.</summary>
    static Tensor HandMap(ClassifierNet model, Tensor images, long[] images_, long[] classes)
    {
        using var _ = no_grad();
        var (_, acts) = model.ForwardCapturing(images, "pool5");
        var a = acts["pool5"].index_select(0, tensor(images_));
        var w = LinearWeight(model).index_select(0, tensor(classes)).view(classes.Length, a.shape[1], a.shape[2], a.shape[3]);
        var alpha = w.sum(new long[] { 2, 3 }); // [P,K]
        var m = nn.functional.relu((alpha.unsqueeze(-1).unsqueeze(-1) * a).sum(1)).flatten(1);
        return m / m.norm(1, keepdim: true).clamp_min(1e-12);
    }

    [Fact]
    public void MapsEqualAHandComputationFromTheLinearWeights()
    {
        using var teacher = MatchingNets.Frozen(MatchingNets.Create(seed: 1));
        using var student = MatchingNets.Create(MatchingNets.Narrow, seed: 2);
        student.eval();
        var images = MatchingNets.Images();
        var matcher = (MapMatcher)Matchers.Create(Wcam());
        var maps = matcher.Maps(teacher, student, images).Single();
        Assert.Equal("pool5", maps.Label);
        Assert.Equal(new long[] { 4, 4 }, maps.Teacher.shape);

        using var _ = no_grad();
        var top1 = teacher.call(images).argmax(1).data<long>().ToArray();
        var all = new long[] { 0, 1, 2, 3 };
        TensorAssert.Close(HandMap(teacher, images, all, top1), maps.Teacher, 1e-4, 1e-6, "teacher");
        TensorAssert.Close(HandMap(student, images, all, top1), maps.Student, 1e-4, 1e-6, "student (teacher's classes)");
        Assert.True(maps.Teacher.norm(1).gt(0.99).all().item<bool>(), "maps should be non-zero unit vectors here");
    }

    [Fact]
    public void PositivesGiveOneMapPerPositivePairRoundByRound()
    {
        // Image 0 has positive classes 0 and 2; image 1 none, so its top-1 (class 0, logit −1).
        var rounds = TargetRound.Select(new float[] { 1, -1, 2, -1, -2, -3 }, 2, 3, MatchingClasses.Positives);
        Assert.Equal(2, rounds.Count);
        Assert.Equal(new long[] { 0, 1 }, rounds[0].Images);
        Assert.Equal(new long[] { 0, 0 }, rounds[0].Classes);
        Assert.Equal(new long[] { 0 }, rounds[1].Images);
        Assert.Equal(new long[] { 2 }, rounds[1].Classes);
        var top1 = TargetRound.Select(new float[] { 1, -1, 2, -1, -2, -3 }, 2, 3, MatchingClasses.Top1).Single();
        Assert.Equal(new long[] { 2, 0 }, top1.Classes);

        using var teacher = MatchingNets.Frozen(MatchingNets.Create(seed: 1));
        using var student = MatchingNets.Create(seed: 2);
        student.eval();
        var images = MatchingNets.Images(batch: 6);
        // Shift the teacher's biases so that some images have several positive classes and some none.
        using (no_grad()) ((TorchSharp.Modules.Linear)((LayerNode)teacher.Node("fc")).Module).bias!.copy_(tensor(new float[] { 0.02f, 0f, -0.02f }));
        float[] logits;
        using (no_grad()) logits = teacher.call(images).data<float>().ToArray();
        var expectedRounds = TargetRound.Select(logits, 6, 3, MatchingClasses.Positives);
        Assert.True(expectedRounds.Sum(r => r.Images.Length) > 6, "the test needs an image with several positive classes");

        var maps = ((MapMatcher)Matchers.Create(Wcam(classes: MatchingClasses.Positives))).Maps(teacher, student, images).Single();
        var pairImages = expectedRounds.SelectMany(r => r.Images).ToArray();
        var pairClasses = expectedRounds.SelectMany(r => r.Classes).ToArray();
        Assert.Equal(pairImages.Length, (int)maps.Teacher.shape[0]);
        TensorAssert.Close(HandMap(teacher, images, pairImages, pairClasses), maps.Teacher, 1e-4, 1e-6, "teacher");
        TensorAssert.Close(HandMap(student, images, pairImages, pairClasses), maps.Student, 1e-4, 1e-6, "student");
    }

    [Theory]
    [InlineData("wcam")]
    [InlineData("at")]
    public void LossIsZeroForAnExactCopyAndPositiveOtherwise(string kind)
    {
        using var teacher = MatchingNets.Frozen(MatchingNets.Create(seed: 1));
        using var copy = MatchingNets.CopyOf(teacher);
        using var other = MatchingNets.Create(seed: 5);
        copy.eval(); other.eval();
        var images = MatchingNets.Images();
        var matcher = Matchers.Create(new MatcherOptions(MatcherOptions.ParseKind(kind), Layers: LayerWeight.ParseList("pool5,pool4:0.5")));
        var parts = new Dictionary<string, double>();
        var same = MatchingNets.MatchLoss(matcher, teacher, copy, images, parts).item<float>();
        Assert.True(Math.Abs(same) < 1e-9, $"copy: {same}");
        Assert.Equal(0, parts["match"], 9);
        var different = MatchingNets.MatchLoss(matcher, teacher, other, images, parts).item<float>();
        Assert.True(different > 1e-3, $"different network: {different}");
        Assert.Equal(different, parts["match"], 4);
        Assert.Equal(different / 100, parts["l_am"], 6);
    }

    [Fact]
    public void SeveralLayersAddUpWithTheirWeightsTimesBeta()
    {
        using var teacher = MatchingNets.Frozen(MatchingNets.Create(seed: 1));
        using var student = MatchingNets.Create(seed: 2);
        student.eval();
        var images = MatchingNets.Images();
        float Loss(string layers, double beta) =>
            MatchingNets.MatchLoss(Matchers.Create(Wcam(layers, weight: beta)), teacher, student, images, new Dictionary<string, double>()).item<float>();
        var pool5 = Loss("pool5", 1);
        var pool4 = Loss("pool4", 1);
        Assert.True(pool5 > 0 && pool4 > 0);
        Assert.Equal(100 * (pool5 + 0.5 * pool4), Loss("pool5:1,pool4:0.5", 100), 3);
        // The default layer is VGG's last pool.
        Assert.Equal(pool5, Loss("default", 1), 6);
    }

    /// <summary>The gradient of β·L_AM w.r.t. the student's parameters (through the activations and, by double
    /// backpropagation, through the sensitivities) equals central finite differences, in double precision, with the
    /// student in training mode (batch statistics, dropout with a fixed seed). Only the loss's own backward writes
    /// .grad: the inner ∂z/∂A does not leak into the parameter gradients. The student's last layer is made positive so
    /// that its pool5 maps are positive everywhere, away from the kinks of ReLU and of the normalisation (a map with a
    /// single positive entry jumps when it crosses zero), where finite differences mean nothing.</summary>
    [Theory]
    [InlineData("pool5:1,relu5_2:0.5", MatchingClasses.Top1)]
    [InlineData("pool5", MatchingClasses.Positives)]
    public void GradientEqualsFiniteDifferences(string layers, MatchingClasses classes)
    {
        using var teacher = MatchingNets.Frozen(MatchingNets.Create(seed: 1));
        using var student = MatchingNets.Create(seed: 2);
        teacher.to(ScalarType.Float64);
        student.to(ScalarType.Float64);
        using (no_grad()) LinearWeight(student).copy_(LinearWeight(student).abs() + 0.005);
        student.train();
        var images = MatchingNets.Images(dtype: ScalarType.Float64);
        var matcher = Matchers.Create(Wcam(layers, classes: classes));

        double Loss()
        {
            manual_seed(99); // the same dropout mask every time
            using var _ = no_grad();
            return MatchingNets.MatchLoss(matcher, teacher, student, images, new Dictionary<string, double>()).ToDouble();
        }

        var parameters = student.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        manual_seed(99);
        var loss = MatchingNets.MatchLoss(matcher, teacher, student, images, new Dictionary<string, double>());
        foreach (var p in parameters.Values) Assert.Null(p.grad); // autograd.grad must not write .grad
        loss.backward();
        Assert.True(loss.ToDouble() > 0);

        long targetRow;
        using (no_grad()) targetRow = teacher.call(images).argmax(1)[0].item<long>() * 32; // 8 channels x 2 x 2 inputs per class
        var probes = new (string Name, long Index)[]
        {
            ("features.0.weight", 3), ("features.1.weight", 1), ("features.12.bias", 2), ("features.22.weight", 40),
            ("classifier.1.weight", targetRow + 5), ("classifier.1.weight", targetRow + 30),
        };
        const double h = 1e-6;
        foreach (var (name, index) in probes)
        {
            var p = parameters[name];
            var flat = p.view(-1);
            double analytic = p.grad!.view(-1)[index].ToDouble();
            double original = flat[index].ToDouble();
            using (no_grad()) flat[index] = original + h;
            double up = Loss();
            using (no_grad()) flat[index] = original - h;
            double down = Loss();
            using (no_grad()) flat[index] = original;
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(analytic - numeric) <= 1e-7 + 1e-6 * Math.Abs(numeric),
                $"{name}[{index}]: analytic {analytic}, finite differences {numeric}");
        }
        Assert.True(parameters["classifier.1.weight"].grad!.view(-1)[TensorIndex.Slice(targetRow, targetRow + 32)].abs().sum().ToDouble() > 0,
            "the loss must reach the linear layer's target row, which enters the pool5 map only through the sensitivities");
    }

    [Fact]
    public void StochasticMatchingDropsFloorPKDistinctChannelsEveryStep()
    {
        using var teacher = MatchingNets.Frozen(MatchingNets.Create(seed: 1));
        using var student = MatchingNets.Create(seed: 2);
        student.eval();
        var images = MatchingNets.Images();
        var matcher = (WcamMatcher)Matchers.Create(Wcam("pool5,pool3", drop: 0.3));
        Assert.Equal("wcam+drop0.3", matcher.Name);
        var sets = new List<string>();
        for (int step = 0; step < 6; step++)
        {
            MatchingNets.MatchLoss(matcher, teacher, student, images, new Dictionary<string, double>());
            var dropped = matcher.LastDropped;
            Assert.Equal(2, dropped.Count);
            Assert.Equal(WcamMatcher.DropCount(0.3, 8), dropped[0].Count); // pool5 has 8 channels: ⌊2.4⌋ = 2
            Assert.Single(dropped[1]);                                       // pool3 has 6: ⌊1.8⌋ = 1
            Assert.Equal(dropped[0].Count, dropped[0].Distinct().Count());
            Assert.All(dropped[0], c => Assert.InRange(c, 0, 7));
            sets.Add(string.Join(',', dropped[0]));
        }
        Assert.True(sets.Distinct().Count() > 1, "a new set should be drawn at each step");
        Assert.Equal(3, WcamMatcher.DropCount(0.3, 10));

        // The same seed gives the same sequence; the teacher map is collapsed without the dropped channels.
        var again = (WcamMatcher)Matchers.Create(Wcam("pool5", drop: 0.3));
        var maps = again.Maps(teacher, student, images).Single();
        var first = again.LastDropped[0];
        Assert.Equal(sets[0], string.Join(',', first));
        using var _ = no_grad();
        var (logits, acts) = teacher.ForwardCapturing(images, "pool5");
        var w = LinearWeight(teacher).index_select(0, logits.argmax(1)).view(4, 8, 2, 2);
        var keep = ones(8);
        foreach (var c in first) keep[c] = 0f;
        var expected = CollapsedMaps.Normalize(CollapsedMaps.Weighted(acts["pool5"], w, keep));
        TensorAssert.Close(expected, maps.Teacher, 1e-4, 1e-6);
        TensorAssert.Close(HandMap(student, images, new long[] { 0, 1, 2, 3 }, logits.argmax(1).data<long>().ToArray()), maps.Student, 1e-4, 1e-6);
    }

    [Fact]
    public void MatchingWorksBetweenNetworksOfDifferentWidths()
    {
        using var teacher = MatchingNets.Frozen(MatchingNets.Create(seed: 1));
        using var student = MatchingNets.Create(MatchingNets.Narrow, seed: 2);
        student.train();
        var images = MatchingNets.Images();
        foreach (var kind in new[] { MatchingKind.Wcam, MatchingKind.At })
        {
            var matcher = Matchers.Create(new MatcherOptions(kind, Layers: LayerWeight.ParseList("pool5,relu5_2:2")));
            var parts = new Dictionary<string, double>();
            using var step = matcher.Step(teacher, student, images);
            Assert.Equal(new long[] { 4, 3 }, step.StudentLogits.shape);
            Assert.Equal(new long[] { 4, 3 }, step.TeacherLogits!.shape);
            Assert.False(step.TeacherLogits.requires_grad);
            var loss = LossTerms.Sum(new[] { CompressionObjective.MatchingTerm(matcher, step, parts)! });
            Assert.True(parts.ContainsKey("l_am/pool5") && parts.ContainsKey("l_am/relu5_2"));
            foreach (var p in student.parameters()) p.grad?.zero_();
            loss.backward();
            Assert.True(student.parameters().First().grad!.abs().sum().item<float>() > 0, kind.ToString());
            Assert.All(teacher.parameters(), p => Assert.Null(p.grad));
        }
    }

    [Fact]
    public void AZeroStudentMapGivesFiniteGradients()
    {
        using var teacher = MatchingNets.Frozen(MatchingNets.Create(seed: 1));
        using var student = MatchingNets.Create(seed: 2);
        student.eval();
        using (no_grad()) LinearWeight(student).zero_(); // every sensitivity is 0, so M_S = 0
        var loss = MatchingNets.MatchLoss(Matchers.Create(Wcam()), teacher, student, MatchingNets.Images(), new Dictionary<string, double>());
        loss.backward();
        Assert.Equal(100 * 1.0 / 4, loss.item<float>(), 4); // ‖M̂_T‖ = 1 over 4 positions, M̂_S = 0
        Assert.All(student.parameters(), p => Assert.True(p.grad is null || p.grad.isfinite().all().item<bool>()));
    }

    [Fact]
    public void BadLayersGiveOneLineErrors()
    {
        using var teacher = MatchingNets.Frozen(MatchingNets.Create(seed: 1));
        using var student = MatchingNets.Create(seed: 2);
        var images = MatchingNets.Images(batch: 2);
        var unknown = Assert.Throws<UsageException>(() =>
            MatchingNets.MatchLoss(Matchers.Create(Wcam("pool9")), teacher, student, images, new Dictionary<string, double>()));
        Assert.Contains("unknown layer 'pool9'", unknown.Message);
        Assert.Contains("pool5", unknown.Message);
        var flat = Assert.Throws<UsageException>(() =>
            MatchingNets.MatchLoss(Matchers.Create(Wcam("fc")), teacher, student, images, new Dictionary<string, double>()));
        Assert.Contains("not a spatial", flat.Message);

        using var resnet = MatchingNets.Create("resnet18:w=1/16", seed: 3);
        var size = Assert.Throws<UsageException>(() =>
            MatchingNets.MatchLoss(Matchers.Create(Wcam("default")), teacher, resnet, images, new Dictionary<string, double>()));
        Assert.Contains("same spatial size", size.Message);
        Assert.DoesNotContain('\n', size.Message);

        // A student of the teacher's family whose max-pools differ: the message names the spec with the teacher's.
        using var skipping = MatchingNets.Frozen(MatchingNets.Create(MatchingNets.Teacher + ":skip-pools=4", seed: 4));
        var geometry = Assert.Throws<UsageException>(() =>
            MatchingNets.MatchLoss(Matchers.Create(Wcam("default")), skipping, student, images, new Dictionary<string, double>()));
        var suggested = student.Arch with { SkipPools = new[] { 4 } };
        Assert.Contains($"skips the max-pool of stage 4: give the student the same, e.g. --student {suggested}", geometry.Message);
        // No layer chosen: the message names the default matching layer by its alias and canonical name, not as 'default'.
        Assert.StartsWith($"the default matching layer (the last pool: pool5, {skipping.DefaultMatchingLayer} in the teacher) is ", geometry.Message);
        Assert.StartsWith("--match-layers: layer 'pool5' is ", Assert.Throws<UsageException>(() =>
            MatchingNets.MatchLoss(Matchers.Create(Wcam("pool5")), skipping, student, images, new Dictionary<string, double>())).Message);
    }
}
