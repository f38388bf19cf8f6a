using System.Globalization;
using System.Text.Json.Nodes;
using Apc.Util;
using Spectre.Console;

namespace Apc.Cli.Commands;

/// <summary>The teacher-versus-compressed table printed by apc compress, read from its metrics.json object.</summary>
public static class CompressTable
{
    public static void Write(IAnsiConsole console, JsonObject metrics)
    {
        var teacher = metrics["teacher"]!.AsObject();
        var latency = metrics["latency_ms"]!.AsObject();
        var table = new Table().Title($"{metrics["method"]} ({metrics["matcher"]}) vs teacher, validation")
            .AddColumns("", "teacher", "compressed", "teacher / compressed");
        void Count(string label, string key)
        {
            long t = teacher[key]!.GetValue<long>(), m = metrics[key]!.GetValue<long>();
            table.AddRow(label, t.ToString("N0", CultureInfo.InvariantCulture), m.ToString("N0", CultureInfo.InvariantCulture),
                m > 0 ? ((double)t / m).ToString("F2", CultureInfo.InvariantCulture) + "x" : "n/a");
        }
        void Percent(string label, string key)
        {
            string P(JsonNode? v) => v is null ? "n/a" : (v.GetValue<double>() * 100).ToString("F1", CultureInfo.InvariantCulture);
            table.AddRow(label, P(teacher[key]), P(metrics[key]), "");
        }
        Count("parameters", "parameters");
        Count("non-zero parameters", "nonzero_parameters");
        Count("multiply-accumulates / image", "macs");
        Count("file size (bytes)", "size_bytes");
        // Quantization, unification and kernel quantization store fewer bits per weight than the file's float32 shows.
        var (bits, countsZeros) = Experiments.ExperimentReport.BitsPerWeight(metrics["compression"]);
        if (bits < 32)
            table.AddRow(countsZeros ? "bits per weight (zeros included)" : "bits per non-zero weight", "32",
                bits.ToString("0.###", CultureInfo.InvariantCulture), (32 / bits).ToString("F2", CultureInfo.InvariantCulture) + "x");
        string latencyRow = $"latency, {Plural.Of(latency["batch_images"]!.GetValue<long>(), "image")} (ms)";
        if (latency["teacher"] is { } teacherMs && latency["model"] is { } modelMs)
        {
            double tl = teacherMs.GetValue<double>(), ml = modelMs.GetValue<double>();
            table.AddRow(latencyRow, tl.ToString("F1", CultureInfo.InvariantCulture),
                ml.ToString("F1", CultureInfo.InvariantCulture), ml > 0 ? (tl / ml).ToString("F2", CultureInfo.InvariantCulture) + "x" : "n/a");
        }
        else table.AddRow(latencyRow, "not measured", "not measured", "(--latency-repeats 0)");
        Percent("mAP per class (%)", "map_per_class");
        Percent("mAP per image (%)", "map_per_image");
        Percent("F1 (%)", "f1");
        Percent("exact match (%)", "accuracy");
        Percent("top-1 agreement with teacher (%)", "agreement");
        var distance = metrics["attribution_distance"]?["model"];
        table.AddRow("attribution distance (L_AM)", "0", distance is null ? "n/a" : distance.GetValue<double>().ToString("G3", CultureInfo.InvariantCulture), "");
        console.Write(table);
    }
}
