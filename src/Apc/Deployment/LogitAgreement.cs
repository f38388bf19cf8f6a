using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Deployment;

/// <summary>How closely two classifiers' logits agree on the same images.</summary>
/// <param name="MaxAbsDifference">max |a − b| over all (image, class) logits.</param>
/// <param name="Relative">That maximum over max |b| (b: the reference's logits).</param>
/// <param name="LabelAgreement">Fraction of (image, class) pairs on which both predict the same label (logit &gt; 0).</param>
/// <param name="Pairs">Number of (image, class) pairs compared.</param>
public sealed record LogitAgreement(double MaxAbsDifference, double Relative, double LabelAgreement, long Pairs)
{
    /// <summary>Compares <paramref name="model"/> with <paramref name="reference"/> on <paramref name="images"/> [B,C,H,W].</summary>
    public static LogitAgreement Of(IImageClassifier model, IImageClassifier reference, Tensor images)
    {
        using var scope = NewDisposeScope();
        var a = model.Logits(images);
        var b = reference.Logits(images);
        return Of(a, b);
    }

    /// <summary>Compares logits [B,K] with reference logits [B,K].</summary>
    public static LogitAgreement Of(Tensor logits, Tensor reference)
    {
        using var scope = NewDisposeScope();
        if (!logits.shape.SequenceEqual(reference.shape))
            throw new ArgumentException($"logits [{string.Join(',', logits.shape)}] and reference [{string.Join(',', reference.shape)}] differ in shape.");
        double maxAbs = (logits - reference).abs().max().item<float>();
        double scale = Math.Max(1e-12, reference.abs().max().item<float>());
        double agree = logits.gt(0).eq(reference.gt(0)).to(float64).mean().item<double>();
        return new LogitAgreement(maxAbs, maxAbs / scale, agree, logits.numel());
    }

    /// <summary>Seeded standard-normal images [count,C,H,W] in normalised units (about the spread of real inputs), for
    /// checks that need no data set.</summary>
    public static Tensor RandomImages(ModelConfig config, int count, ulong seed)
    {
        using var generator = new Generator(seed);
        return randn(new long[] { count, config.InChannels, config.ImageSize, config.ImageSize }, generator: generator);
    }
}
