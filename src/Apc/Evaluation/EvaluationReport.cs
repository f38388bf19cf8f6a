using System.Text.Json.Nodes;

namespace Apc.Evaluation;

/// <summary>Everything <see cref="Evaluator"/> measured on one split.</summary>
public sealed record EvaluationReport(
    string Model,
    string? ReferenceModel,
    string Dataset,
    int Images,
    PredictionReport Prediction,
    PredictionReport? ReferencePrediction,
    IReadOnlyList<MethodEvaluation> Attribution,
    IReadOnlyList<string> SkippedClasses,
    double Seconds)
{
    /// <summary>The evaluation.json shape documented in docs/evaluation.md. Fractions in [0,1] (cosine and
    /// Spearman in [-1,1]); NaN is written as null.</summary>
    public JsonObject ToJson()
    {
        static JsonNode? N(double v) => double.IsFinite(v) ? JsonValue.Create(v) : null;
        var prediction = Prediction.Scores.ToJson();
        if (Prediction.Agreement is { } agreement) prediction["agreement"] = N(agreement);
        var attribution = new JsonObject();
        foreach (var m in Attribution)
        {
            var s = m.Summary;
            var entry = new JsonObject
            {
                ["pointing"] = N(s.Pointing.Mean),
                ["pointing_chance"] = s.PointingChance is { } chance ? N(chance.Mean) : null,
                ["auc"] = N(s.PixelAuc.Mean),
                ["energy"] = N(s.Energy.Mean),
                ["pairs"] = s.Pairs,
                ["auc_undefined"] = s.PixelAuc.Skipped,
            };
            if (s.DeletionAuc.Count > 0) entry["deletion_auc"] = N(s.DeletionAuc.Mean);
            if (s.InsertionAuc.Count > 0) entry["insertion_auc"] = N(s.InsertionAuc.Mean);
            if (m.Reference is not null) // with a reference, even when no pair could be compared ("pairs": 0)
                entry["consistency"] = new JsonObject
                {
                    ["cosine"] = N(s.Cosine.Mean),
                    ["spearman"] = N(s.Spearman.Mean),
                    ["topk_iou"] = N(s.TopKIou.Mean),
                    ["wcam_distance"] = N(s.MatchingDistance.Mean),
                    ["pairs"] = s.Cosine.Count,
                };
            if (m.Reference is { } r)
                entry["reference"] = new JsonObject { ["pointing"] = N(r.Pointing.Mean), ["auc"] = N(r.PixelAuc.Mean), ["energy"] = N(r.Energy.Mean) };
            attribution[m.Method] = entry;
        }
        var json = new JsonObject
        {
            ["model"] = Model,
            ["dataset"] = Dataset,
            ["images"] = Images,
            ["prediction"] = prediction,
            ["attribution"] = attribution,
            ["skipped_classes"] = new JsonArray(SkippedClasses.Select(c => (JsonNode)c).ToArray()),
            ["seconds"] = Seconds,
        };
        if (ReferenceModel is not null) json["reference"] = ReferenceModel;
        if (ReferencePrediction is { } rp)
            json["reference_prediction"] = rp.Scores.ToJson();
        return json;
    }
}
