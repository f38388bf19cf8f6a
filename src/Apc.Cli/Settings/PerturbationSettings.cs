using System.ComponentModel;
using Apc.Attribution;
using Spectre.Console.Cli;

namespace Apc.Cli.Settings;

/// <summary>The options of the perturbation methods (occlusion, RISE), shared by the verbs that draw or score maps
/// (apc evaluate, apc explain), so both take the same names, defaults and descriptions.</summary>
public class PerturbationSettings : DataSettings
{
    [CommandOption("--patch <PX>")]
    [Description("Occlusion: side of the occluding square patch in pixels.")]
    [DefaultValue(8)]
    public int Patch { get; init; } = 8;

    [CommandOption("--stride <PX>")]
    [Description("Occlusion: step between patch positions in pixels.")]
    [DefaultValue(4)]
    public int Stride { get; init; } = 4;

    [CommandOption("--masks <N>")]
    [Description("RISE: number of random masks.")]
    [DefaultValue(500)]
    public int Masks { get; init; } = 500;

    [CommandOption("--cell <PX>")]
    [Description("RISE: side of a mask cell in pixels.")]
    [DefaultValue(8)]
    public int Cell { get; init; } = 8;

    [CommandOption("--keep <P>")]
    [Description("RISE: probability that a mask cell is kept.")]
    [DefaultValue(0.5)]
    public double Keep { get; init; } = 0.5;

    [CommandOption("--baseline <VALUE>")]
    [Description("Occlusion and RISE: value of occluded or masked pixels, in normalised units (0 = the data set's mean).")]
    [DefaultValue(0.0)]
    public double Baseline { get; init; }

    [CommandOption("--perturbation-batch <N>")]
    [Description("Occlusion and RISE: at most this many perturbed images per forward pass (bounds memory).")]
    [DefaultValue(64)]
    public int PerturbationBatch { get; init; } = 64;

    /// <summary>The attribution options these settings give, with the read-out <paramref name="layer"/> of
    /// Grad-CAM-type methods (null = each method's default) and the data seed as RISE's mask seed.</summary>
    public AttributionOptions AttributionOptions(string? layer) => new()
    {
        Layer = layer, PatchSize = Patch, PatchStride = Stride, Masks = Masks, CellSize = Cell,
        KeepProbability = Keep, Baseline = Baseline, InternalBatchSize = PerturbationBatch, Seed = Seed,
    };
}
