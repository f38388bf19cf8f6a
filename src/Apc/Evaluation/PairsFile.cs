using System.Text.Json.Nodes;

namespace Apc.Evaluation;

/// <summary>
/// pairs.json: every scored (image, class) pair of an evaluation, per attribution method, as columns (one
/// array per field, entry i of each belongs to pair i), so that two evaluations can be compared pair by pair
/// (docs/evaluation.md). Shape:
/// <c>{"format": "apc-pairs/1", "model", "reference", "dataset", "images",
/// "methods": {"gradcam": {"pairs": n, "image": [...], "class": [...], "pointing": [0|1...], "auc": [...],
/// "cosine": [...], "spearman": [...], "topk_iou": [...]}}}</c>; the last three only with a reference; an
/// undefined value is null. Numbers are written in full (shortest round-trip form).
/// </summary>
public static class PairsFile
{
    /// <summary>The file name beside evaluation.json.</summary>
    public const string FileName = "pairs.json";
    /// <summary>The format tag written into the file.</summary>
    public const string Format = "apc-pairs/1";

    /// <summary>The per-pair scores of every method of <paramref name="report"/>.</summary>
    public static JsonObject ToJson(EvaluationReport report)
    {
        var methods = new JsonObject();
        foreach (var m in report.Attribution)
            if (m.Pairs is { } p) methods[m.Method] = ToJson(p);
        var json = new JsonObject
        {
            ["format"] = Format,
            ["model"] = report.Model,
            ["dataset"] = report.Dataset,
            ["images"] = report.Images,
            ["methods"] = methods,
        };
        if (report.ReferenceModel is not null) json["reference"] = report.ReferenceModel;
        return json;
    }

    /// <summary>One method's pairs as JSON columns.</summary>
    public static JsonObject ToJson(PairRecords p)
    {
        static JsonArray Numbers(IEnumerable<double> values) => new(values.Select(v => double.IsFinite(v) ? JsonValue.Create(v) : null).ToArray());
        var json = new JsonObject
        {
            ["pairs"] = p.Count,
            ["image"] = new JsonArray(p.Image.Select(i => (JsonNode)i).ToArray()),
            ["class"] = new JsonArray(p.Class.Select(i => (JsonNode)i).ToArray()),
            ["pointing"] = new JsonArray(p.Pointing.Select(hit => (JsonNode)(hit ? 1 : 0)).ToArray()),
            ["auc"] = Numbers(p.Auc),
        };
        if (p.Cosine is not null) json["cosine"] = Numbers(p.Cosine);
        if (p.Spearman is not null) json["spearman"] = Numbers(p.Spearman);
        if (p.TopKIou is not null) json["topk_iou"] = Numbers(p.TopKIou);
        return json;
    }

    /// <summary>Reads pairs.json: attribution method → its pairs.</summary>
    public static IReadOnlyDictionary<string, PairRecords> Read(string path)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            throw new ApcException($"cannot read '{path}': {e.Message}");
        }
        if (root?["format"]?.GetValue<string>() != Format || root["methods"] is not JsonObject methods)
            throw new ApcException($"'{path}' is not an apc pairs file ({Format}).");
        var result = new Dictionary<string, PairRecords>();
        foreach (var (name, node) in methods)
        {
            try { result[name] = FromJson(node!.AsObject()); }
            catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException or ArgumentException)
            {
                throw new ApcException($"'{path}': method '{name}' is malformed ({e.Message}).");
            }
        }
        return result;
    }

    /// <summary>Reads what <see cref="ToJson(PairRecords)"/> wrote.</summary>
    public static PairRecords FromJson(JsonObject json)
    {
        static int[] Ints(JsonNode? node) => node!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
        static double[]? Numbers(JsonNode? node) => node?.AsArray().Select(v => v is null ? double.NaN : v.GetValue<double>()).ToArray();
        var image = Ints(json["image"]);
        var records = new PairRecords(image, Ints(json["class"]), Ints(json["pointing"]).Select(v => v != 0).ToArray(),
            Numbers(json["auc"])!, Numbers(json["cosine"]), Numbers(json["spearman"]), Numbers(json["topk_iou"]));
        int n = image.Length;
        if (records.Class.Length != n || records.Pointing.Length != n || records.Auc.Length != n
            || records.Cosine?.Length is { } c && c != n || records.Spearman?.Length is { } s && s != n || records.TopKIou?.Length is { } t && t != n)
            throw new ArgumentException($"the columns do not all have {n} entries");
        return records;
    }
}
