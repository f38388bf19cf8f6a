using System.Globalization;

namespace Apc.Matching;

/// <summary>One matching layer and its weight w_l in β·Σ_l w_l·L_AM(l). The layer is a canonical node name or
/// an alias (pool5, conv4_3, layer4...) looked up on both teacher and student; <see cref="Default"/> means
/// each network's own <see cref="Models.ClassifierNet.DefaultMatchingLayer"/>.</summary>
public sealed record LayerWeight(string Layer, double Weight = 1.0)
{
    /// <summary>The layer name that stands for each network's default matching layer.</summary>
    public const string Default = "default";

    /// <summary>The list used when none is given: each network's default matching layer with weight 1.</summary>
    public static IReadOnlyList<LayerWeight> DefaultList { get; } = new[] { new LayerWeight(Default) };

    /// <summary>Parses "pool5:1,pool4:0.5" (a missing weight is 1). Empty text gives <see cref="DefaultList"/>.</summary>
    public static IReadOnlyList<LayerWeight> ParseList(string? text, string option = "--match-layers")
    {
        if (string.IsNullOrWhiteSpace(text)) return DefaultList;
        var list = new List<LayerWeight>();
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = item.LastIndexOf(':');
            var layer = (colon < 0 ? item : item[..colon]).Trim();
            double weight = 1.0;
            if (colon >= 0 && !double.TryParse(item[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out weight))
                throw new UsageException($"{option}: weight in '{item}' is not a number (expected LAYER or LAYER:WEIGHT, e.g. pool5:1,pool4:0.5).");
            if (layer.Length == 0)
                throw new UsageException($"{option}: '{item}' has no layer name (expected LAYER or LAYER:WEIGHT, e.g. pool5:1,pool4:0.5).");
            if (!(weight > 0) || double.IsInfinity(weight))
                throw new UsageException($"{option}: weight of layer '{layer}' must be a positive number (got {item[(colon + 1)..]}).");
            if (list.Any(l => l.Layer == layer))
                throw new UsageException($"{option}: layer '{layer}' is listed twice.");
            list.Add(new LayerWeight(layer, weight));
        }
        return list.Count == 0 ? DefaultList : list;
    }

    /// <summary>"pool5:1,pool4:0.5"; <see cref="ParseList"/> of it gives an equal list.</summary>
    public static string Format(IReadOnlyList<LayerWeight> layers) =>
        string.Join(',', layers.Select(l => $"{l.Layer}:{l.Weight.ToString("R", CultureInfo.InvariantCulture)}"));
}
