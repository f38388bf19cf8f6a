using System.Globalization;
using System.Text.Json.Nodes;

namespace Apc.Matching;

/// <summary>How to build an attribution matcher (see <see cref="Matchers"/>).</summary>
/// <param name="Kind">A name registered in <see cref="Matchers"/>: none, wcam, at or one added by user code.</param>
/// <param name="Weight">β, the weight of the whole matching term (100 in the reference).</param>
/// <param name="Drop">Stochastic matching (wcam only): the fraction p of teacher channels left out of the teacher
/// map at every step (0.3 in the reference's variant; 0 = off).</param>
/// <param name="Layers">Matching layers with their weights; null = each network's default matching layer, weight 1.</param>
/// <param name="Classes">Target classes of the sensitivity-weighted maps (wcam only).</param>
/// <param name="Seed">Seed of the generator that draws the dropped channels.</param>
public sealed record MatcherOptions(
    string Kind = MatchingKind.None,
    double Weight = MatcherOptions.DefaultWeight,
    double Drop = 0,
    IReadOnlyList<LayerWeight>? Layers = null,
    MatchingClasses Classes = MatchingClasses.Top1,
    int Seed = 0)
{
    /// <summary>β of the reference (method.md §3.1), the default of --match-weight.</summary>
    public const double DefaultWeight = 100;

    /// <summary>The values of --match-classes.</summary>
    public const string ValidClasses = "top1, positives";

    /// <summary><see cref="Layers"/>, or each network's default matching layer with weight 1 when none are given.</summary>
    public IReadOnlyList<LayerWeight> EffectiveLayers => Layers is { Count: > 0 } ? Layers : LayerWeight.DefaultList;

    /// <summary>The name used in tables and metrics.json: none, at, wcam, wcam+drop0.3 (+positives when every
    /// positive class is matched).</summary>
    public string Name => Kind != MatchingKind.Wcam ? Kind
        : "wcam" + (Drop > 0 ? "+drop" + Drop.ToString("0.###", CultureInfo.InvariantCulture) : "")
                 + (Classes == MatchingClasses.Positives ? "+positives" : "");

    /// <summary>Throws a one-line <see cref="UsageException"/> naming the option at fault: β negative or not finite, a
    /// drop fraction outside [0, 1), --drop or --match-classes with a matcher other than wcam. Returns the options.</summary>
    public MatcherOptions Validated()
    {
        if (!(Weight >= 0) || double.IsInfinity(Weight))
            throw new UsageException($"--match-weight must be a non-negative number (got {Weight}).");
        if (!(Drop >= 0 && Drop < 1))
            throw new UsageException($"--drop must be in [0, 1) (got {Drop}).");
        if (Drop > 0 && Kind != MatchingKind.Wcam)
            throw new UsageException($"--drop applies to --match wcam only (got --match {Kind}).");
        if (Classes != MatchingClasses.Top1 && Kind != MatchingKind.Wcam)
            throw new UsageException($"--match-classes applies to --match wcam only (got --match {Kind}).");
        return this;
    }

    /// <summary>Everything that defines the matcher, for metrics.json and provenance.</summary>
    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["kind"] = Kind,
        ["weight"] = Weight,
        ["drop"] = Drop,
        ["layers"] = LayerWeight.Format(EffectiveLayers),
        ["classes"] = Classes == MatchingClasses.Top1 ? "top1" : "positives",
        ["seed"] = Seed,
    };

    /// <summary>The registered matcher name <paramref name="text"/> stands for (trimmed, lower case; empty = none);
    /// an unknown name is a <see cref="UsageException"/> listing the valid ones.</summary>
    public static string ParseKind(string? text)
    {
        var name = (text ?? "").Trim().ToLowerInvariant();
        if (name.Length == 0) return MatchingKind.None;
        return Matchers.Contains(name) ? name
            : throw new UsageException($"--match: unknown matcher '{text}'; valid: {string.Join(", ", Matchers.Names)}.");
    }

    /// <summary>top1 or positives (empty = top1); anything else is a <see cref="UsageException"/>.</summary>
    public static MatchingClasses ParseClasses(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "top1" or "" => MatchingClasses.Top1,
        "positives" => MatchingClasses.Positives,
        _ => throw new UsageException($"--match-classes: unknown value '{text}'; valid: {ValidClasses}."),
    };
}
