using Apc.Attribution;

namespace Apc.Evaluation;

/// <summary>What <see cref="Evaluator"/> measures.</summary>
/// <param name="Methods">Attribution method names (see <see cref="AttributionMethods.Names"/>).</param>
/// <param name="BatchSize">Images per forward pass and (image, class) pairs per attribution call; bounds memory.</param>
/// <param name="PointingTolerance">Pixels of tolerance for the pointing game (0 = the reference's exact rule).</param>
/// <param name="TopPercent">k of the top-k% IoU consistency metric.</param>
/// <param name="Faithfulness">Also compute deletion and insertion curves (one forward per step per batch).</param>
/// <param name="FaithfulnessSteps">Steps of the deletion and insertion curves.</param>
/// <param name="Attribution">Settings of the attribution methods; null: their defaults.</param>
/// <param name="ReferenceMaps">Where the reference's maps are read from and written to, so that evaluations of several
/// models against one reference compute them once; null: computed in every evaluation.</param>
public sealed record EvaluationOptions(
    IReadOnlyList<string> Methods,
    int BatchSize = 64,
    double PointingTolerance = 0,
    double TopPercent = 10,
    bool Faithfulness = false,
    int FaithfulnessSteps = 16,
    AttributionOptions? Attribution = null,
    ReferenceMapCache? ReferenceMaps = null);
