using System.ComponentModel;
using System.Text.Json.Nodes;
using Apc.Attribution;
using Spectre.Console.Cli;

namespace Apc.Cli.Settings;

/// <summary>The options of the perturbation methods (occlusion, RISE) and of the input baseline, shared by the verbs that
/// draw or score maps (apc evaluate, apc explain), so both take the same names, defaults and descriptions. An option
/// that no method of --methods reads is a usage error (<see cref="RequireReadBy"/>), not silently unused.</summary>
public class PerturbationSettings : DataSettings
{
    static readonly AttributionOptions Defaults = new();

    [CommandOption("--patch <PX>")]
    [Description("Occlusion: side of the occluding square patch in pixels (default 8).")]
    public int? Patch { get; init; }

    [CommandOption("--stride <PX>")]
    [Description("Occlusion: step between patch positions in pixels (default 4).")]
    public int? Stride { get; init; }

    [CommandOption("--masks <N>")]
    [Description("RISE: number of random masks (default 500).")]
    public int? Masks { get; init; }

    [CommandOption("--cell <PX>")]
    [Description("RISE: side of a mask cell in pixels (default 8).")]
    public int? Cell { get; init; }

    [CommandOption("--keep <P>")]
    [Description("RISE: probability that a mask cell is kept (default 0.5).")]
    public double? Keep { get; init; }

    [CommandOption("--baseline <VALUE>")]
    [Description("Occlusion, RISE and integrated gradients: value of occluded or masked pixels, or the path's start, in normalised units (default 0, the data set's mean).")]
    public double? Baseline { get; init; }

    [CommandOption("--perturbation-batch <N>")]
    [Description("Occlusion, RISE, integrated gradients and SmoothGrad: at most this many perturbed images per forward pass (bounds memory; default 64).")]
    public int? PerturbationBatch { get; init; }

    /// <summary>Spectre calls this after binding: each option's bounds, named by its flag ("--patch must be at least
    /// 1 pixel (got 0)."), before the library's own check (<see cref="AttributionOptions.Validated"/>) could name it
    /// by its field instead.</summary>
    public override Spectre.Console.ValidationResult Validate()
    {
        static void AtLeastOne(string option, int? value, string unit)
        {
            if (value < 1) throw new UsageException($"{option} must be at least 1{unit} (got {value}).");
        }
        AtLeastOne("--patch", Patch, " pixel");
        AtLeastOne("--stride", Stride, " pixel");
        AtLeastOne("--masks", Masks, "");
        AtLeastOne("--cell", Cell, " pixel");
        AtLeastOne("--perturbation-batch", PerturbationBatch, "");
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        if (Keep is { } keep && !(keep > 0 && keep <= 1))
            throw new UsageException($"--keep must be a probability in (0, 1] (got {keep.ToString(invariant)}).");
        if (Baseline is { } baseline && !double.IsFinite(baseline))
            throw new UsageException($"--baseline must be a finite number (got {baseline.ToString(invariant)}).");
        int patch = Patch ?? Defaults.PatchSize, stride = Stride ?? Defaults.PatchStride;
        if (stride > patch)
            throw new UsageException($"--stride {stride} is larger than --patch {patch}{(Patch is null ? " (its default)" : "")}: pixels between patches " +
                "would be covered by none and get no value; give a stride of at most the patch size.");
        return base.Validate();
    }

    /// <summary>Each option and the built-in methods that read it.</summary>
    static IEnumerable<(string Option, object? Value, string[] ReadBy)> Options(PerturbationSettings s) =>
    [
        ("--patch", s.Patch, ["occlusion"]), ("--stride", s.Stride, ["occlusion"]),
        ("--masks", s.Masks, ["rise"]), ("--cell", s.Cell, ["rise"]), ("--keep", s.Keep, ["rise"]),
        ("--baseline", s.Baseline, ["occlusion", "rise", "integrated-gradients"]),
        ("--perturbation-batch", s.PerturbationBatch, ["occlusion", "rise", "integrated-gradients", "smoothgrad"]),
    ];

    /// <summary>The methods apc itself registers; a method user code registered may read any option.</summary>
    static readonly HashSet<string> BuiltIn = [.. AttributionMethods.BuiltInNames];

    /// <summary>Refuses an option given with no method of <paramref name="methods"/> (canonical names) that reads it, e.g.
    /// --patch with --methods gradcam: the user expects it to change something. Methods registered by user code may read
    /// anything, so with one of them nothing is refused.</summary>
    /// <exception cref="UsageException">An option no method reads.</exception>
    public void RequireReadBy(IReadOnlyList<string> methods)
    {
        if (methods.Any(m => !BuiltIn.Contains(m))) return;
        foreach (var (option, value, readBy) in Options(this))
            if (value is not null && !readBy.Any(methods.Contains))
                throw new UsageException($"{option} applies to {string.Join(", ", readBy)}, and --methods ({(methods.Count == 0 ? "none" : string.Join(",", methods))}) holds none of them.");
    }

    /// <summary>The options that change the maps of <paramref name="methods"/>, for a fingerprint: occlusion's and RISE's
    /// with any perturbation method (as before: patch, stride, masks, cell, keep, baseline, perturbation_seed), the
    /// baseline with integrated gradients, everything with a method registered by user code; empty otherwise.</summary>
    public JsonObject Fingerprint(IReadOnlyList<string> methods)
    {
        bool extension = methods.Any(m => !BuiltIn.Contains(m));
        var o = AttributionOptions(null);
        if (extension || methods.Any(AttributionMethods.PerturbationNames.Contains))
            return new()
            {
                ["patch"] = o.PatchSize, ["stride"] = o.PatchStride, ["masks"] = o.Masks, ["cell"] = o.CellSize, ["keep"] = o.KeepProbability,
                ["baseline"] = o.Baseline, ["perturbation_seed"] = o.Seed,
            };
        return methods.Contains("integrated-gradients") ? new() { ["baseline"] = o.Baseline } : new();
    }

    /// <summary>The attribution options these settings give, with the read-out <paramref name="layer"/> of
    /// Grad-CAM-type methods (null = each method's default) and the data seed as RISE's mask seed.</summary>
    public AttributionOptions AttributionOptions(string? layer) => new()
    {
        Layer = layer, PatchSize = Patch ?? Defaults.PatchSize, PatchStride = Stride ?? Defaults.PatchStride, Masks = Masks ?? Defaults.Masks,
        CellSize = Cell ?? Defaults.CellSize, KeepProbability = Keep ?? Defaults.KeepProbability, Baseline = Baseline ?? Defaults.Baseline,
        InternalBatchSize = PerturbationBatch ?? Defaults.InternalBatchSize, Seed = Seed,
    };
}
