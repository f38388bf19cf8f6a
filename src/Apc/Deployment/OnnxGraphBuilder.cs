using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;

namespace Apc.Deployment;

/// <summary>Appends nodes and constant tensors to an ONNX graph with the protobuf classes of OnnxSharp
/// (<see cref="GraphProto"/>, <see cref="NodeProto"/>, <see cref="TensorProto"/>); no encoding is written by hand.
/// Every value gets a unique name made from the apc node it belongs to.</summary>
public sealed class OnnxGraphBuilder
{
    readonly HashSet<string> names = new(StringComparer.Ordinal);

    /// <summary>An empty graph named <paramref name="name"/>.</summary>
    public OnnxGraphBuilder(string name) { Graph = new GraphProto { Name = name }; }

    /// <summary>The graph built so far.</summary>
    public GraphProto Graph { get; }

    /// <summary>A value name not used yet, derived from <paramref name="stem"/>.</summary>
    public string Unique(string stem)
    {
        var name = stem;
        for (int i = 1; !names.Add(name); i++) name = $"{stem}_{i}";
        return name;
    }

    /// <summary>A float32 constant with the tensor's values and shape (copied from CPU memory).</summary>
    public string Float(string stem, Tensor value)
    {
        using var cpu = value.detach().to(float32).cpu().contiguous();
        var proto = Constant(stem, TensorProto.Types.DataType.Float, cpu.shape);
        proto.RawData = ByteString.CopyFrom(cpu.bytes.ToArray());
        return Add(proto);
    }

    /// <summary>A float32 constant from values, with <paramref name="dims"/> (empty: a scalar).</summary>
    public string Float(string stem, float[] values, params long[] dims)
    {
        var proto = Constant(stem, TensorProto.Types.DataType.Float, dims);
        proto.FloatData.Add(values);
        return Add(proto);
    }

    /// <summary>An int8 constant (weight levels) with the tensor's shape.</summary>
    public string Int8(string stem, Tensor levels)
    {
        using var cpu = levels.detach().to(int8).cpu().contiguous();
        var proto = Constant(stem, TensorProto.Types.DataType.Int8, cpu.shape);
        proto.RawData = ByteString.CopyFrom(cpu.bytes.ToArray());
        return Add(proto);
    }

    /// <summary>An int8 constant of zeros with <paramref name="count"/> elements (symmetric weight zero points).</summary>
    public string Int8Zeros(string stem, long count)
    {
        var proto = Constant(stem, TensorProto.Types.DataType.Int8, new[] { count });
        proto.RawData = ByteString.CopyFrom(new byte[count]);
        return Add(proto);
    }

    /// <summary>A uint8 scalar (an activation zero point).</summary>
    public string UInt8(string stem, byte value)
    {
        var proto = Constant(stem, TensorProto.Types.DataType.Uint8, Array.Empty<long>());
        proto.RawData = ByteString.CopyFrom(new[] { value });
        return Add(proto);
    }

    /// <summary>An int32 constant (quantized biases) with the tensor's shape.</summary>
    public string Int32(string stem, Tensor value)
    {
        using var cpu = value.detach().to(int32).cpu().contiguous();
        var proto = Constant(stem, TensorProto.Types.DataType.Int32, cpu.shape);
        proto.RawData = ByteString.CopyFrom(cpu.bytes.ToArray());
        return Add(proto);
    }

    /// <summary>A one-dimensional int64 constant (the indices of a Gather).</summary>
    public string Int64(string stem, IReadOnlyList<long> values)
    {
        var proto = Constant(stem, TensorProto.Types.DataType.Int64, new[] { (long)values.Count });
        proto.Int64Data.Add(values);
        return Add(proto);
    }

    /// <summary>Appends a node of the default (ai.onnx) domain and returns its single output's name.</summary>
    public string Node(string opType, string stem, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var output = Unique(stem);
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.Add(inputs);
        node.Output.Add(output);
        node.Attribute.Add(attributes);
        Graph.Node.Add(node);
        return output;
    }

    /// <summary>An integer-list attribute.</summary>
    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    /// <summary>An integer attribute.</summary>
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A float attribute.</summary>
    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>A float32 tensor value description with a named batch dimension first: [<paramref name="batch"/>, dims...].</summary>
    public static ValueInfoProto FloatInput(string name, string batch, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batch });
        foreach (var d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    TensorProto Constant(string stem, TensorProto.Types.DataType type, IEnumerable<long> dims)
    {
        var proto = new TensorProto { Name = Unique(stem), DataType = (int)type };
        proto.Dims.Add(dims);
        return proto;
    }

    string Add(TensorProto proto)
    {
        Graph.Initializer.Add(proto);
        return proto.Name;
    }
}
