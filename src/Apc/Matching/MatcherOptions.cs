using System.Globalization;
using System.Text.Json.Nodes;

namespace Apc.Matching;

/// <summary>How to build an attribution matcher (see <see cref="MatcherFactory"/>).</summary>
/// <param name="Kind">none, wcam or at.</param>
/// <param name="Weight">β, the weight of the whole matching term (100 in the reference).</param>
/// <param name="Drop">Stochastic matching (wcam only): the fraction p of teacher channels left out of the teacher
/// map at every step (0.3 in the reference's variant; 0 = off).</param>
/// <param name="Layers">Matching layers with their weights; null = each network's default matching layer, weight 1.</param>
/// <param name="Classes">Target classes of the sensitivity-weighted maps (wcam only).</param>
/// <param name="Seed">Seed of the generator that draws the dropped channels.</param>
public sealed record MatcherOptions(
    MatchingKind Kind = MatchingKind.None,
    double Weight = MatcherOptions.DefaultWeight,
    double Drop = 0,
    IReadOnlyList<LayerWeight>? Layers = null,
    MatchingClasses Classes = MatchingClasses.Top1,
    int Seed = 0)
{
    public const double DefaultWeight = 100;
    public const string ValidKinds = "none, wcam, at";
    public const string ValidClasses = "top1, positives";

    public IReadOnlyList<LayerWeight> EffectiveLayers => Layers is { Count: > 0 } ? Layers : LayerWeight.DefaultList;

    /// <summary>The name used in tables and metrics.json: none, at, wcam, wcam+drop0.3 (+positives when every
    /// positive class is matched).</summary>
    public string Name => Kind switch
    {
        MatchingKind.None => "none",
        MatchingKind.At => "at",
        _ => "wcam" + (Drop > 0 ? "+drop" + Drop.ToString("0.###", CultureInfo.InvariantCulture) : "")
                    + (Classes == MatchingClasses.Positives ? "+positives" : ""),
    };

    public MatcherOptions Validated()
    {
        if (!(Weight >= 0) || double.IsInfinity(Weight))
            throw new UsageException($"--match-weight must be a non-negative number (got {Weight}).");
        if (!(Drop >= 0 && Drop < 1))
            throw new UsageException($"--drop must be in [0, 1) (got {Drop}).");
        if (Drop > 0 && Kind != MatchingKind.Wcam)
            throw new UsageException($"--drop applies to --match wcam only (got --match {KindName(Kind)}).");
        if (Classes != MatchingClasses.Top1 && Kind != MatchingKind.Wcam)
            throw new UsageException($"--match-classes applies to --match wcam only (got --match {KindName(Kind)}).");
        return this;
    }

    /// <summary>Everything that defines the matcher, for metrics.json and provenance.</summary>
    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["kind"] = KindName(Kind),
        ["weight"] = Weight,
        ["drop"] = Drop,
        ["layers"] = LayerWeight.Format(EffectiveLayers),
        ["classes"] = Classes == MatchingClasses.Top1 ? "top1" : "positives",
        ["seed"] = Seed,
    };

    public static string KindName(MatchingKind kind) => kind switch
    {
        MatchingKind.Wcam => "wcam",
        MatchingKind.At => "at",
        _ => "none",
    };

    public static MatchingKind ParseKind(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "none" or "" => MatchingKind.None,
        "wcam" => MatchingKind.Wcam,
        "at" => MatchingKind.At,
        _ => throw new UsageException($"--match: unknown matcher '{text}'; valid: {ValidKinds}."),
    };

    public static MatchingClasses ParseClasses(string? text) => (text ?? "").Trim().ToLowerInvariant() switch
    {
        "top1" or "" => MatchingClasses.Top1,
        "positives" => MatchingClasses.Positives,
        _ => throw new UsageException($"--match-classes: unknown value '{text}'; valid: {ValidClasses}."),
    };
}
