using System.Globalization;
using Onnx;

namespace Apc.Deployment;

/// <summary>Summaries of an ONNX graph for people: operator counts and stored weight bytes.</summary>
public static class OnnxInfo
{
    /// <summary>Operator types with their counts, most frequent first: "Conv ×13, Relu ×13, …".</summary>
    public static string Operators(ModelProto model) =>
        string.Join(", ", OperatorCounts(model).Select(kv => $"{kv.Key} ×{kv.Value.ToString(CultureInfo.InvariantCulture)}"));

    /// <summary>How often each operator type occurs in <paramref name="model"/>'s graph, most frequent first.</summary>
    public static IReadOnlyList<KeyValuePair<string, int>> OperatorCounts(ModelProto model) =>
        model.Graph.Node.GroupBy(n => string.IsNullOrEmpty(n.Domain) ? n.OpType : $"{n.Domain}.{n.OpType}")
            .Select(g => new KeyValuePair<string, int>(g.Key, g.Count()))
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();

    /// <summary>Bytes of the stored constants (raw data plus typed fields), by element type name.</summary>
    public static IReadOnlyDictionary<string, long> InitializerBytes(ModelProto model) =>
        model.Graph.Initializer.GroupBy(t => ((TensorProto.Types.DataType)t.DataType).ToString())
            .ToDictionary(g => g.Key, g => g.Sum(t => (long)t.RawData.Length + t.FloatData.Count * 4L + t.Int32Data.Count * 4L + t.Int64Data.Count * 8L));
}
