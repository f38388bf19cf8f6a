using System.Text.Json.Nodes;
using Apc.Evaluation;

namespace Apc.Tests.Evaluation;

/// <summary>The one writer of the four prediction scores (issue 11, "Ownership and copies").</summary>
public class PredictionScoresTests
{
    [Fact]
    public void TheJsonHoldsExactlyTheFourNamedScoresAndNaNAsNull()
    {
        var scores = new PredictionScores(0.75, 0.5, double.NaN, 1.0 / 3);
        var json = JsonNode.Parse(scores.ToJson().ToJsonString())!.AsObject(); // through text, as a reader gets it
        Assert.Equal(new[] { "accuracy", "f1", "map_per_class", "map_per_image" }, json.Select(kv => kv.Key).Order());
        Assert.Equal(0.75, json["map_per_class"]!.GetValue<double>());
        Assert.Equal(0.5, json["map_per_image"]!.GetValue<double>());
        Assert.Null(json["f1"]);
        Assert.Equal(1.0 / 3, json["accuracy"]!.GetValue<double>()); // round-trips exactly
        var beside = scores.AddTo(new JsonObject { ["epoch"] = 2 });
        Assert.Equal(2, beside["epoch"]!.GetValue<int>());
        Assert.True(JsonNode.DeepEquals(scores.ToJson(), new JsonObject(beside.Where(kv => kv.Key != "epoch").Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone())))));
    }

    [Fact]
    public void AReportsScoresAreItsFields()
    {
        using var logits = TorchSharp.torch.tensor(new float[] { 2, -1, -3, 1, 0.5f, -2 }).reshape(3, 2);
        using var labels = TorchSharp.torch.tensor(new float[] { 1, 0, 0, 1, 1, 0 }).reshape(3, 2);
        var report = PredictionMetrics.Compute(logits, labels);
        Assert.Equal(new PredictionScores(report.MapPerClass, report.MapPerImage, report.F1, report.Accuracy), report.Scores);
    }
}
