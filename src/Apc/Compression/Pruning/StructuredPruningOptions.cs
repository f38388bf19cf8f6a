using System.Globalization;
using Apc.Models;

namespace Apc.Compression.Pruning;

/// <summary>Settings of <see cref="StructuredPruningStage"/>. Which convs are pruned, and by how much:
/// <paramref name="Preset"/> chooses layers (pruned at <paramref name="Ratio"/>, default 0.3); without a preset,
/// <paramref name="Ratio"/> applies to every prunable conv; <paramref name="PerLayer"/> then sets or overrides
/// single layers. At least one of the three must be given.</summary>
/// <param name="Ratio">--ratio p: fraction of filters removed, in [0, 1); a conv keeps ⌊n·(1−p)⌋, at least 1.</param>
/// <param name="Preset">--preset: "reference" (see <see cref="PruningPresets.Layers"/>).</param>
/// <param name="PerLayer">--layer-ratios: conv name or alias → ratio (e.g. conv1_1=0.3,layer4.1.conv1=0.5).</param>
/// <param name="Criterion">--criterion: l1 (Li et al. 2017) or attribution (<see cref="AttributionFilterCriterion"/>).</param>
/// <param name="Rounds">--rounds N: reach the target in N prune + fine-tune rounds (1 = one-shot).</param>
/// <param name="CalibrationImages">--calibration-images: training images the attribution criterion scores on.</param>
public sealed record StructuredPruningOptions(
    double? Ratio = null,
    string? Preset = null,
    IReadOnlyDictionary<string, double>? PerLayer = null,
    string Criterion = "l1",
    int Rounds = 1,
    int CalibrationImages = 128)
{
    /// <summary>The reference's ratio for its preset (method.md §3.3).</summary>
    public const double ReferenceRatio = 0.3;

    /// <summary>The ratio of every prunable conv when neither a ratio, a preset nor per-layer ratios are given.</summary>
    public const double DefaultRatio = 0.5;

    /// <summary>The ratio to build the options with from what the user gave: <paramref name="ratio"/> when given,
    /// else <see cref="DefaultRatio"/> when there is neither a preset nor per-layer ratios, else null (the preset's
    /// own ratio applies).</summary>
    public static double? RatioOrDefault(double? ratio, string? preset, bool hasLayerRatios) =>
        ratio ?? (preset is null && !hasLayerRatios ? DefaultRatio : null);

    /// <summary>The registered filter criteria (l1, attribution, and any added by user code).</summary>
    public static IReadOnlyList<string> Criteria => FilterCriteria.Names;

    /// <summary>Throws a one-line <see cref="UsageException"/> naming the first bad setting; returns the options.</summary>
    public StructuredPruningOptions Validated()
    {
        if (Ratio is { } r) PruningPlan.ValidateRatio(r, "--ratio");
        if (PerLayer is not null)
            foreach (var (layer, ratio) in PerLayer) PruningPlan.ValidateRatio(ratio, $"--layer-ratios {layer}");
        if (Preset is not null && !PruningPresets.Names.Contains(Preset.ToLowerInvariant()))
            throw new UsageException($"--preset '{Preset}': unknown preset; valid: {string.Join(", ", PruningPresets.Names)}.");
        if (Ratio is null && Preset is null && (PerLayer is null || PerLayer.Count == 0))
            throw new UsageException("structured pruning needs --ratio, --preset or --layer-ratios.");
        if (!FilterCriteria.Contains(Criterion))
            throw new UsageException($"--criterion '{Criterion}': valid values are {string.Join(", ", Criteria)}.");
        if (Rounds < 1) throw new UsageException($"--rounds must be at least 1 (got {Rounds}).");
        if (CalibrationImages < 1) throw new UsageException($"--calibration-images must be at least 1 (got {CalibrationImages}).");
        return this;
    }

    /// <summary>The ratio of every conv to prune, keyed by canonical conv name, in network order.</summary>
    public IReadOnlyDictionary<string, double> LayerRatios(ClassifierNet model)
    {
        Validated();
        var groups = PruningDependencies.Groups(model);
        var ratios = new Dictionary<string, double>();
        if (Preset is not null)
            foreach (var conv in PruningPresets.Layers(Preset, model, groups)) ratios[conv] = Ratio ?? ReferenceRatio;
        else if (Ratio is { } uniform)
            foreach (var g in groups) ratios[g.Conv] = uniform;
        if (PerLayer is not null)
            foreach (var (layer, ratio) in PerLayer) ratios[PruningPlan.Find(model, groups, layer).Conv] = ratio;
        return groups.Where(g => ratios.ContainsKey(g.Conv)).ToDictionary(g => g.Conv, g => ratios[g.Conv]);
    }

    /// <summary>Parses --layer-ratios text: "conv1_1=0.3,conv4_1=0.5".</summary>
    public static IReadOnlyDictionary<string, double> ParseLayerRatios(string text)
    {
        var result = new Dictionary<string, double>();
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = item.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length != 2 || kv[0].Length == 0
                || !double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio))
                throw new UsageException($"--layer-ratios: '{item}' is not layer=ratio (e.g. conv1_1=0.3).");
            PruningPlan.ValidateRatio(ratio, $"--layer-ratios {kv[0]}");
            result[kv[0]] = ratio;
        }
        if (result.Count == 0) throw new UsageException("--layer-ratios: no layer=ratio entries.");
        return result;
    }
}
