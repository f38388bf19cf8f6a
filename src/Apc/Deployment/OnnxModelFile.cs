using Apc.Checkpoints;
using Google.Protobuf;
using Onnx;

namespace Apc.Deployment;

/// <summary>An apc export read back: the ONNX model, the header of the checkpoint it came from, and its metadata.</summary>
public sealed record OnnxModelFile(string Path, ModelProto Model, CheckpointInfo Info, IReadOnlyDictionary<string, string> Properties, long SizeBytes)
{
    /// <summary>Whether <paramref name="path"/> names an ONNX file (by its extension, as ONNX files have no magic number).</summary>
    public static bool IsOnnxPath(string? path) =>
        path is not null && path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads and checks an apc export. Errors (one line, naming the file): missing or unreadable file, not
    /// protobuf or cut short, not an apc export (no apc metadata), edited after export, or inputs and outputs that are
    /// not the exported "input" [batch,C,H,W] and "logits" [batch,K].</summary>
    public static OnnxModelFile Read(string path)
    {
        Util.InputPath.RequireFile(path, "ONNX model", "an ONNX file written by apc export");
        var source = $"ONNX model '{path}'";
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new ApcException($"{source}: cannot read ({e.Message})."); }
        if (bytes.Length == 0) throw new ApcException($"{source}: empty file.");
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e)
        { throw new ApcException($"{source}: truncated or not an ONNX file ({bytes.Length} bytes; {e.Message.TrimEnd('.')})."); }
        if (model.Graph is null)
            throw new ApcException($"{source}: truncated or not an ONNX file (no graph).");
        var (info, properties) = OnnxMetadata.Read(model, source);
        CheckSignature(model.Graph, info, source);
        return new OnnxModelFile(path, model, info, properties, bytes.Length);
    }

    static void CheckSignature(GraphProto graph, CheckpointInfo info, string source)
    {
        var initializers = graph.Initializer.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        string Describe(ValueInfoProto v) =>
            $"'{v.Name}' [{string.Join(',', v.Type?.TensorType?.Shape?.Dim.Select(d => d.HasDimValue ? d.DimValue.ToString() : d.DimParam) ?? Array.Empty<string>())}]";
        bool Matches(ValueInfoProto v, string name, long[] dims)
        {
            var t = v.Type?.TensorType;
            if (v.Name != name || t is null || t.ElemType != (int)TensorProto.Types.DataType.Float || t.Shape is null) return false;
            var shape = t.Shape.Dim;
            return shape.Count == dims.Length + 1 && !shape[0].HasDimValue && dims.Select((d, i) => shape[i + 1].HasDimValue && shape[i + 1].DimValue == d).All(x => x);
        }
        var expectedInput = new long[] { info.InChannels, info.ImageSize, info.ImageSize };
        if (inputs.Count != 1 || !Matches(inputs[0], OnnxExport.InputName, expectedInput))
            throw new ApcException($"{source}: inputs {string.Join(", ", inputs.Select(Describe))} are not what apc exports " +
                $"(one input '{OnnxExport.InputName}' [batch,{string.Join(',', expectedInput)}] with a dynamic batch).");
        if (graph.Output.Count != 1 || !Matches(graph.Output[0], OnnxExport.OutputName, new long[] { info.NumClasses }))
            throw new ApcException($"{source}: outputs {string.Join(", ", graph.Output.Select(Describe))} are not what apc exports " +
                $"(one output '{OnnxExport.OutputName}' [batch,{info.NumClasses}]).");
    }
}
