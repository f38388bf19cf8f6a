using Apc.Compression;
using Apc.Matching;
using Apc.Models;
using Apc.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Matching;

/// <summary>Tiny networks and inputs for the matching tests: VGG-11-BN with a handful of channels at 64 px, so that
/// pool5 is 2x2 and pool4 4x4.</summary>
static class MatchingNets
{
    public const string Teacher = "vgg11-bn:channels=4,M,4,M,6,6,M,8,8,M,8,8,M";
    public const string Narrow = "vgg11-bn:channels=2,M,3,M,4,4,M,4,4,M,5,5,M";

    public static ClassifierNet Create(string arch = Teacher, int seed = 1, int classes = 3, int size = 64)
    {
        torch.manual_seed(seed);
        return ModelFactory.Create(new ModelConfig(ArchSpec.Parse(arch), 1, classes, size));
    }

    public static ClassifierNet Frozen(ClassifierNet model)
    {
        model.eval();
        foreach (var p in model.parameters()) p.requires_grad_(false);
        return model;
    }

    public static ClassifierNet CopyOf(ClassifierNet model) => ModelCopy.Clone(model);

    /// <summary>β·Σ_l w_l·L_AM(l) of one step, composed as <see cref="CompressionObjective"/> composes it (its
    /// matching term alone); 0 for a matcher that does not match.</summary>
    public static Tensor MatchLoss(IAttributionMatcher matcher, ClassifierNet teacher, ClassifierNet student, Tensor images,
        IDictionary<string, double>? parts = null)
    {
        using var step = matcher.Step(teacher, student, images);
        var term = CompressionObjective.MatchingTerm(matcher, step, parts ?? new Dictionary<string, double>());
        return term is null ? zeros(Array.Empty<long>()) : LossTerms.Sum(new[] { term });
    }

    public static Tensor Images(int batch = 4, int seed = 7, int size = 64, ScalarType dtype = ScalarType.Float32)
    {
        torch.manual_seed(seed);
        return randn(new long[] { batch, 1, size, size }, dtype: dtype);
    }
}
