using System.Text.Json.Nodes;
using Apc.Evaluation;

namespace Apc.Compression;

/// <summary>Size, cost, speed and validation quality of one network, as reported by apc compress.</summary>
/// <param name="Parameters">Every parameter, zero or not.</param>
/// <param name="NonzeroParameters">Parameters that are not exactly zero (what unstructured pruning lowers).</param>
/// <param name="Macs">Multiply-accumulates of one forward pass on one image (dense count: zeros are counted).</param>
/// <param name="SizeBytes">Size of the checkpoint file as stored.</param>
/// <param name="Prediction">Validation metrics; Agreement is top-1 agreement with the teacher (1 for the teacher).</param>
/// <param name="LatencyMs">Median time of one eval-mode forward of the latency batch, in milliseconds; NaN when not measured.</param>
/// <param name="Arch">Canonical architecture text.</param>
public sealed record ModelMeasurement(
    string Arch,
    long Parameters,
    long NonzeroParameters,
    long Macs,
    long SizeBytes,
    PredictionReport Prediction,
    double LatencyMs)
{
    /// <summary>The measurements as JSON, for metrics.json.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["arch"] = Arch,
            ["parameters"] = Parameters,
            ["nonzero_parameters"] = NonzeroParameters,
            ["macs"] = Macs,
            ["size_bytes"] = SizeBytes,
        };
        Prediction.Scores.AddTo(json);
        json["agreement"] = Prediction.Agreement is { } a ? Number(a) : null;
        json["latency_ms"] = double.IsFinite(LatencyMs) ? LatencyMs : null; // NaN: not measured
        return json;
    }

    /// <summary>NaN (e.g. mAP without any positive label) is written as null: JSON has no NaN.</summary>
    public static JsonNode? Number(double value) => PredictionScores.Number(value);
}
