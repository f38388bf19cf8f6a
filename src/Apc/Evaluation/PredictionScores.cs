using System.Text.Json.Nodes;

namespace Apc.Evaluation;

/// <summary>The four prediction scores every result file reports (metrics.json of train and compress, evaluation.json,
/// checkpoint metrics), written by <see cref="ToJson"/> only, so that the field names and the treatment of NaN are the
/// same in every file; the experiment collection reads them by these names. Fractions in [0,1] (definitions in
/// <see cref="PredictionMetrics"/>); NaN (a mean over an empty set) is written as null, since JSON has no NaN.</summary>
public sealed record PredictionScores(double MapPerClass, double MapPerImage, double F1, double Accuracy)
{
    /// <summary>{"map_per_class", "map_per_image", "f1", "accuracy"}.</summary>
    public JsonObject ToJson() => AddTo(new JsonObject());

    /// <summary>Adds the four fields to <paramref name="json"/> (for files that hold them beside other fields); returns it.</summary>
    public JsonObject AddTo(JsonObject json)
    {
        json["map_per_class"] = Number(MapPerClass);
        json["map_per_image"] = Number(MapPerImage);
        json["f1"] = Number(F1);
        json["accuracy"] = Number(Accuracy);
        return json;
    }

    /// <summary>A finite number as itself, NaN or infinity as null.</summary>
    public static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;
}
