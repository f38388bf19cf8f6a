using System.Globalization;
using System.Text.Json.Nodes;
using Apc.Models;

namespace Apc.Compression.Pruning;

/// <summary>A structured-pruning plan: for each prunable conv to be thinned, the output filters it keeps. Computed
/// from the model's dependency structure (<see cref="PruningDependencies"/>) and a criterion's scores; it can be
/// inspected (<see cref="ToJson"/>) and tested before <see cref="ChannelSurgery.Apply"/> carries it out. Convs
/// without an entry keep all their filters.</summary>
/// <param name="Source">The architecture the plan was made for.</param>
/// <param name="Criterion">l1 or attribution.</param>
/// <param name="Layers">One entry per planned conv, in network order.</param>
public sealed record PruningPlan(ArchSpec Source, string Criterion, IReadOnlyList<FilterSelection> Layers)
{
    /// <summary>Filters kept at pruning ratio p: ⌊n·(1−p)⌋, at least 1 (Li et al. 2017). A tiny epsilon absorbs
    /// binary rounding (10·(1−0.3) must give 7, not 6).</summary>
    public static int KeepCount(int channels, double ratio)
    {
        ValidateRatio(ratio, "--ratio");
        return Math.Max(1, (int)Math.Floor(channels * (1 - ratio) + 1e-9));
    }

    /// <summary>Throws a <see cref="UsageException"/> naming <paramref name="where"/> unless 0 ≤ <paramref name="ratio"/> &lt; 1.</summary>
    public static void ValidateRatio(double ratio, string where)
    {
        if (!(ratio >= 0 && ratio < 1))
            throw new UsageException($"{where}: pruning ratio {ratio.ToString(CultureInfo.InvariantCulture)} must be in [0, 1).");
    }

    /// <summary>The <paramref name="keep"/> highest-scoring filter indices, ties to the lower index, sorted ascending.</summary>
    public static int[] TopFilters(IReadOnlyList<double> scores, int keep)
    {
        if (keep < 1 || keep > scores.Count)
            throw new ArgumentOutOfRangeException(nameof(keep), $"cannot keep {keep} of {scores.Count} filters.");
        return Enumerable.Range(0, scores.Count)
            .OrderByDescending(i => scores[i]).ThenBy(i => i)
            .Take(keep).Order().ToArray();
    }

    /// <summary>Plans pruning ratio p per conv (keys: canonical names or aliases of prunable convs).</summary>
    public static PruningPlan FromRatios(ClassifierNet model, IFilterCriterion criterion, IReadOnlyDictionary<string, double> ratios)
    {
        var groups = PruningDependencies.Groups(model);
        var keep = new Dictionary<string, int>();
        foreach (var (name, ratio) in ratios)
        {
            ValidateRatio(ratio, $"layer {name}");
            var group = Find(model, groups, name);
            keep[group.Conv] = KeepCount(group.Channels, ratio);
        }
        return FromKeepCounts(model, criterion, keep);
    }

    /// <summary>Plans an exact number of kept filters per conv (keys: canonical names or aliases of prunable convs).</summary>
    public static PruningPlan FromKeepCounts(ClassifierNet model, IFilterCriterion criterion, IReadOnlyDictionary<string, int> keep)
    {
        var groups = PruningDependencies.Groups(model);
        var wanted = new Dictionary<string, int>();
        foreach (var (name, count) in keep)
        {
            var group = Find(model, groups, name);
            if (count < 1 || count > group.Channels)
                throw new UsageException($"layer {group.DisplayName}: cannot keep {count} of its {group.Channels} filters.");
            wanted[group.Conv] = count;
        }
        var planned = groups.Where(g => wanted.ContainsKey(g.Conv)).ToList();
        var scores = planned.Count == 0 ? new Dictionary<string, double[]>() : criterion.Score(model, planned);
        var layers = planned.Select(g => new FilterSelection(g, TopFilters(scores[g.Conv], wanted[g.Conv]), scores[g.Conv])).ToList();
        return new PruningPlan(model.Arch, criterion.Name, layers);
    }

    /// <summary>The prunable group of a conv given by canonical name or alias; a one-line usage error otherwise.</summary>
    public static ChannelGroup Find(ClassifierNet model, IReadOnlyList<ChannelGroup> groups, string name)
    {
        string canonical;
        try { canonical = model.ResolveLayer(name); }
        catch (UsageException) { canonical = name; }
        return groups.FirstOrDefault(g => g.Conv == canonical)
            ?? throw new UsageException(
                $"layer '{name}' is not a prunable conv of {model.Arch}; prunable: {string.Join(", ", groups.Select(g => g.DisplayName))}.");
    }

    /// <summary>The architecture of the pruned network: the explicit channel list with each planned conv's width
    /// replaced by its kept count. VGG drops the (now redundant) multiplier; ResNet keeps it, because its residual
    /// stage widths come from it.</summary>
    public ArchSpec PrunedArch()
    {
        var widths = PruningDependencies.ExplicitWidths(Source).ToArray();
        foreach (var layer in Layers) widths[layer.Group.SpecIndex] = layer.Kept.Count;
        return ArchitectureFamilies.Get(Source.Family).WithWidths(Source, widths);
    }

    /// <summary>The plan as JSON (plan.json): per conv its filters, the kept indices and the scores.</summary>
    public JsonObject ToJson()
    {
        var layers = new JsonArray();
        foreach (var l in Layers)
            layers.Add(new JsonObject
            {
                ["layer"] = l.Group.Conv,
                ["alias"] = l.Group.Alias,
                ["channels"] = l.Group.Channels,
                ["kept"] = l.Kept.Count,
                ["kept_indices"] = new JsonArray(l.Kept.Select(i => (JsonNode)i).ToArray()),
                ["scores"] = new JsonArray(l.Scores.Select(s => (JsonNode)s).ToArray()),
            });
        return new JsonObject
        {
            ["source_arch"] = Source.ToString(),
            ["pruned_arch"] = PrunedArch().ToString(),
            ["criterion"] = Criterion,
            ["layers"] = layers,
        };
    }
}
