using Apc.Matching;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Matching;

/// <summary>method.md §2: α is per image. Sensitivity-weighted matching refuses a student layer that a training-mode
/// batch norm follows (its batch statistics would mix the images into ∂(Σ_b z_{b,c_b})/∂A) and accepts the last
/// pool, where the one-backward sensitivities are the per-image ones.</summary>
public class PerImageSensitivityTests
{
    static IAttributionMatcher Wcam(string layers) =>
        Matchers.Create(new MatcherOptions(MatchingKind.Wcam, Layers: LayerWeight.ParseList(layers)));

    [Fact]
    public void ALayerFollowedByATrainingModeBatchNormIsRefusedWithOneClearError()
    {
        using var teacher = MatchingNets.Frozen(MatchingNets.Create(seed: 1));
        using var student = MatchingNets.Create(seed: 2);
        student.train();
        var images = MatchingNets.Images();
        var matcher = Wcam("pool5,pool4:0.5");
        var error = Assert.Throws<UsageException>(() => matcher.Step(teacher, student, images).Dispose());
        Assert.Contains("student layer 'pool4' (pool4 = features.21)", error.Message);
        Assert.Contains("batch norm bn5_1 = features.23 follows it in training mode", error.Message);
        Assert.Contains("not be per image", error.Message);
        Assert.Contains("the default pool5 = features.28", error.Message);

        // The same layer is fine when nothing couples the images: the student in eval mode, or maps without sensitivities.
        student.eval();
        Assert.Equal(2, ((MapMatcher)matcher).Maps(teacher, student, images).Count);
        student.train();
        var at = Matchers.Create(new MatcherOptions(MatchingKind.At, Layers: LayerWeight.ParseList("pool4")));
        at.Step(teacher, student, images).Dispose();
    }

    [Theory]
    [InlineData("default")]
    [InlineData("pool5")]
    [InlineData("relu5_2")] // the Grad-CAM read-out layer: only pool5, dropout and the linear layer follow
    public void TheLastPoolAndTheReadOutLayerAreAcceptedInTrainingMode(string layer)
    {
        using var teacher = MatchingNets.Frozen(MatchingNets.Create(seed: 1));
        using var student = MatchingNets.Create(seed: 2);
        student.train();
        var loss = MatchingNets.MatchLoss(Wcam(layer), teacher, student, MatchingNets.Images());
        Assert.True(loss.item<float>() > 0);
    }

    [Fact]
    public void ResNetAcceptsItsLastStageAndRefusesTheOneBefore()
    {
        using var teacher = MatchingNets.Frozen(MatchingNets.Create("resnet18:w=1/16", seed: 1, size: 32));
        using var student = MatchingNets.Create("resnet18:w=1/16", seed: 2, size: 32);
        student.train();
        var images = MatchingNets.Images(size: 32);
        Wcam("layer4").Step(teacher, student, images).Dispose();
        var error = Assert.Throws<UsageException>(() => Wcam("layer3").Step(teacher, student, images).Dispose());
        Assert.Contains("'layer3'", error.Message);
        Assert.Contains("layer4.0.bn1", error.Message);
    }

    [Fact]
    public void TheStudentMapOfAnImageDoesNotDependOnTheOtherImagesAtTheLastPool()
    {
        using var teacher = MatchingNets.Frozen(MatchingNets.Create(seed: 1));
        using var student = MatchingNets.Create(seed: 2);
        student.eval();
        var matcher = (MapMatcher)Wcam("pool5");
        var first = MatchingNets.Images(seed: 7);
        var second = MatchingNets.Images(seed: 8);
        using (no_grad()) second[0] = first[0];
        var a = matcher.Maps(teacher, student, first).Single();
        var b = matcher.Maps(teacher, student, second).Single();
        TensorAssert.Close(a.Student[0], b.Student[0], 1e-5, 1e-7, "student map of image 0");
        TensorAssert.Close(a.Teacher[0], b.Teacher[0], 1e-5, 1e-7, "teacher map of image 0");
        Assert.True((a.Student[1] - b.Student[1]).abs().max().item<float>() > 1e-4, "the other images' maps should differ");
    }

    /// <summary>In training mode the activations themselves carry the batch statistics of the batch norms before the
    /// layer (as the logits do); what must be per image is α. At the last pool, the one backward the matcher takes gives
    /// exactly ∂z_{b,c_b}/∂A_b, image by image.</summary>
    [Fact]
    public void InTrainingModeTheOneBackwardGivesEachImagesOwnSensitivities()
    {
        using var teacher = MatchingNets.Frozen(MatchingNets.Create(seed: 1));
        using var student = MatchingNets.Create(seed: 2);
        student.train();
        var images = MatchingNets.Images();
        var matcher = (MapMatcher)Wcam("pool5");
        manual_seed(99); // the same dropout mask in both forwards
        var maps = matcher.Maps(teacher, student, images).Single();

        long[] classes;
        using (no_grad()) classes = teacher.call(images).argmax(1).data<long>().ToArray();
        manual_seed(99);
        var (logits, acts) = student.ForwardCapturing(images, "pool5");
        var a = acts["pool5"];
        for (int b = 0; b < classes.Length; b++)
        {
            var sensitivity = autograd.grad(new[] { logits[b, classes[b]] }, new[] { a }, retain_graph: true)[0][b];
            var expected = CollapsedMaps.Normalize(CollapsedMaps.Weighted(a[b].unsqueeze(0).detach(), sensitivity.unsqueeze(0)));
            TensorAssert.Close(expected[0], maps.Student[b], 1e-4, 1e-6, $"image {b}");
        }
    }
}
