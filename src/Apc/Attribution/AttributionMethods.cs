using Apc.Util;

namespace Apc.Attribution;

/// <summary>The registry of attribution methods by name (what the CLI's --method takes). The built-in methods are
/// registered in the order help texts list them; user code adds its own with <see cref="Register"/>
/// (docs/extending.md, "An attribution method").</summary>
public static class AttributionMethods
{
    static readonly Registry<Func<AttributionOptions, IAttributionMethod>> registry = Create();

    static Registry<Func<AttributionOptions, IAttributionMethod>> Create()
    {
        var r = new Registry<Func<AttributionOptions, IAttributionMethod>>("attribution method");
        r.Register("gradcam", o => new GradCam(o), "grad-cam");
        r.Register("gradcam++", o => new GradCamPlusPlus(o), "grad-cam++");
        r.Register("wcam", o => new WeightedCollapsedCam(o));
        r.Register("saliency", o => new Saliency(o));
        r.Register("input-x-gradient", o => new InputXGradient(o));
        r.Register("integrated-gradients", o => new IntegratedGradients(o));
        r.Register("smoothgrad", o => new SmoothGrad(o));
        r.Register("lrp", o => new LayerwiseRelevancePropagation(o));
        r.Register("excitation-backprop", o => new ExcitationBackprop(o));
        r.Register("contrastive-excitation-backprop", o => new ExcitationBackprop(o with { Contrastive = true }));
        r.Register("rap", o => new RelativeAttributingPropagation(o));
        r.Register("occlusion", o => new Occlusion(o));
        r.Register("rise", o => new Rise(o));
        return r;
    }

    /// <summary>Valid names, in the order help texts list them (built-in first, then those user code registered).</summary>
    public static IReadOnlyList<string> Names => registry.Names;

    /// <summary>The names apc itself registers (taken before any user code can register more).</summary>
    public static IReadOnlyList<string> BuiltInNames { get; } = registry.Names.ToArray();

    /// <summary>The methods that need only the model's outputs (<see cref="IPerturbationMethod"/>), so that they also run on
    /// an ONNX export in ONNX Runtime.</summary>
    public static IReadOnlyList<string> PerturbationNames { get; } = new[] { "occlusion", "rise" };

    /// <summary>Adds a method under <paramref name="name"/> (and <paramref name="aliases"/>, which are accepted but
    /// not listed). The factory receives validated options. A taken name is an <see cref="ArgumentException"/>.</summary>
    public static void Register(string name, Func<AttributionOptions, IAttributionMethod> factory, params string[] aliases) =>
        registry.Register(name, factory, aliases);

    /// <summary>Creates the named method (case-insensitive); an unknown name or a bad option value is a
    /// <see cref="UsageException"/> that lists the valid choices.</summary>
    public static IAttributionMethod Create(string name, AttributionOptions? options = null)
    {
        var o = (options ?? new AttributionOptions()).Validated();
        var factory = registry.Find(name)
            ?? throw new UsageException($"unknown attribution method '{name}'; valid: {registry.Valid}.");
        return factory(o);
    }
}
