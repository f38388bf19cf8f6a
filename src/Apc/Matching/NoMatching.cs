using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Matching;

/// <summary>The naive baseline: no attribution matching (β = 0).</summary>
public sealed class NoMatching : IAttributionMatcher
{
    public static NoMatching Instance { get; } = new();
    public string Name => "none";
    public Tensor Loss(ClassifierNet teacher, ClassifierNet student, Tensor images, IDictionary<string, double> parts) =>
        zeros(1, device: images.device).squeeze();
}
