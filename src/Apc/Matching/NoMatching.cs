using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Matching;

/// <summary>The naive baseline: no attribution matching (β = 0). Runs only the student.</summary>
public sealed class NoMatching : IAttributionMatcher
{
    public static NoMatching Instance { get; } = new();
    public string Name => "none";

    public MatchingStep Step(ClassifierNet teacher, ClassifierNet student, Tensor images, IDictionary<string, double> parts)
    {
        var logits = student.call(images);
        return new MatchingStep(logits, null, zeros(Array.Empty<long>(), dtype: logits.dtype, device: logits.device));
    }

    public void Check(ClassifierNet teacher, ClassifierNet student) { }

    public Tensor Loss(ClassifierNet teacher, ClassifierNet student, Tensor images, IDictionary<string, double> parts) =>
        zeros(Array.Empty<long>(), device: images.device);
}
