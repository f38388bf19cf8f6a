namespace Apc.Attribution;

/// <summary>The registry of attribution methods by name (what the CLI's --method takes).</summary>
public static class AttributionMethods
{
    /// <summary>Valid names, in the order help texts list them.</summary>
    public static IReadOnlyList<string> Names { get; } = new[]
    {
        "gradcam", "gradcam++", "wcam", "saliency", "input-x-gradient", "integrated-gradients", "smoothgrad",
        "lrp", "excitation-backprop", "contrastive-excitation-backprop", "rap", "occlusion", "rise",
    };

    /// <summary>The methods that need only the model's outputs (<see cref="IPerturbationMethod"/>), so that they also run on
    /// an ONNX export in ONNX Runtime.</summary>
    public static IReadOnlyList<string> PerturbationNames { get; } = new[] { "occlusion", "rise" };

    /// <summary>Creates the named method (case-insensitive); an unknown name or a bad option value is a
    /// <see cref="UsageException"/> that lists the valid choices.</summary>
    public static IAttributionMethod Create(string name, AttributionOptions? options = null)
    {
        var o = (options ?? new AttributionOptions()).Validated();
        return (name ?? "").Trim().ToLowerInvariant() switch
        {
            "gradcam" or "grad-cam" => new GradCam(o),
            "gradcam++" or "grad-cam++" => new GradCamPlusPlus(o),
            "wcam" => new WeightedCollapsedCam(o),
            "saliency" => new Saliency(o),
            "input-x-gradient" => new InputXGradient(o),
            "integrated-gradients" => new IntegratedGradients(o),
            "smoothgrad" => new SmoothGrad(o),
            "lrp" => new LayerwiseRelevancePropagation(o),
            "excitation-backprop" => new ExcitationBackprop(o),
            "contrastive-excitation-backprop" => new ExcitationBackprop(o with { Contrastive = true }),
            "rap" => new RelativeAttributingPropagation(o),
            "occlusion" => new Occlusion(o),
            "rise" => new Rise(o),
            _ => throw new UsageException($"unknown attribution method '{name}'; valid: {string.Join(", ", Names)}."),
        };
    }
}
