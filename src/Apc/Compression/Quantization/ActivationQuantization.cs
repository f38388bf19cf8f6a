using System.Globalization;
using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Compression.Quantization;

/// <summary>Fake-quantizes a network's activations through <see cref="ClassifierNet.ActivationTap"/>, so that
/// every forward pass (training, evaluation, attribution) runs on the quantized arithmetic.</summary>
/// <remarks>
/// Quantization points: the outputs of ReLU and pooling nodes, which are the inputs of every convolution and linear
/// layer except the first. A max-pool whose input is already quantized reuses its input's grid: the maximum of grid
/// values is a grid value, so it is not quantized a second time (re-applying the same grid is exact).
/// The network input is not quantized: images are 8-bit already, and the per-channel normalisation is an affine map
/// that an integer deployment folds into the first convolution.
/// </remarks>
public sealed class ActivationQuantization : IDisposable
{
    /// <summary>The name prefix of activation grids in checkpoints.</summary>
    public const string TensorPrefix = "quant/act/";
    /// <summary>The checkpoint tensor holding the activation bit width.</summary>
    public const string BitsTensor = "quant/activation_bits";
    const string RangePrefix = "qat/act/";

    readonly ClassifierNet model;
    readonly Dictionary<string, RangeObserver> observers = new();
    readonly HashSet<string> followers = new();
    readonly List<string> points;
    Dictionary<string, AffineQuantizer>? frozen;

    ActivationQuantization(ClassifierNet model, int bits, double momentum, QuantizationMode mode)
    {
        this.model = model;
        Bits = bits;
        Momentum = momentum;
        Mode = mode;
        var plan = Plan(model);
        points = plan.Select(p => p.Node).ToList();
        foreach (var (node, sharesWith) in plan)
        {
            if (sharesWith is null) observers[node] = new RangeObserver();
            else { observers[node] = observers[sharesWith]; followers.Add(node); }
        }
    }

    /// <summary>Activation bits (2..8).</summary>
    public int Bits { get; }
    /// <summary>The momentum of the ranges' moving average while tracking.</summary>
    public double Momentum { get; }
    /// <summary>Calibrating, tracking or frozen.</summary>
    public QuantizationMode Mode { get; private set; }

    /// <summary>The names of the quantized nodes, in execution order.</summary>
    public IReadOnlyList<string> Points => points;

    /// <summary>The quantized nodes of a network, in execution order.</summary>
    public static IReadOnlyList<string> PointsOf(ClassifierNet model) => Plan(model).Select(p => p.Node).ToList();

    /// <summary>Installs calibrating quantizers on <paramref name="model"/> (replacing any activation tap).</summary>
    public static ActivationQuantization Calibrate(ClassifierNet model, int bits, double momentum = 0.99)
    {
        var quantization = new ActivationQuantization(model, bits, momentum, QuantizationMode.Calibrating);
        model.ActivationTap = quantization.Apply;
        return quantization;
    }

    /// <summary>Installs fixed grids (a finished model) on <paramref name="model"/>.</summary>
    public static ActivationQuantization Fixed(ClassifierNet model, IReadOnlyDictionary<string, AffineQuantizer> grids)
    {
        var bits = grids.Values.Select(g => g.Bits).Distinct().ToList();
        if (bits.Count > 1) throw new ArgumentException("activation grids of one model must share their bit width.");
        var quantization = new ActivationQuantization(model, bits.Count == 1 ? bits[0] : 8, 0, QuantizationMode.Frozen);
        var missing = quantization.points.Where(p => !grids.ContainsKey(p)).ToList();
        var unknown = grids.Keys.Where(k => !quantization.observers.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unknown.Count > 0)
            throw new ApcException($"activation quantization does not fit {model.Arch}: " +
                (missing.Count > 0 ? $"no grid for node '{missing[0]}'" : $"grid for unknown node '{unknown[0]}'") + ".");
        quantization.frozen = quantization.points.ToDictionary(p => p, p => grids[p]);
        model.ActivationTap = quantization.Apply;
        return quantization;
    }

    /// <summary>Starts quantizing with the calibrated ranges; ranges then follow training batches.</summary>
    public void Track()
    {
        var empty = points.FirstOrDefault(p => !observers[p].HasRange);
        if (empty is not null) throw new InvalidOperationException($"activation '{empty}' was never observed; calibrate first.");
        Mode = QuantizationMode.Tracking;
    }

    /// <summary>Fixes the grids at the current ranges.</summary>
    public void Freeze()
    {
        frozen = Grids();
        Mode = QuantizationMode.Frozen;
    }

    /// <summary>The grid each quantization point uses now.</summary>
    public Dictionary<string, AffineQuantizer> Grids() =>
        frozen is not null ? new Dictionary<string, AffineQuantizer>(frozen)
            : points.ToDictionary(p => p, p => observers[p].Quantizer(Bits));

    /// <summary>Removes the quantizers from the model if they are still installed.</summary>
    public void Remove()
    {
        if (model.ActivationTap == Apply) model.ActivationTap = null;
    }

    /// <summary>Same as <see cref="Remove"/>: the quantizers are the resource this object holds (its ranges are plain
    /// numbers), so disposing it takes them off the model.</summary>
    public void Dispose() => Remove();

    Tensor Apply(string name, Tensor output)
    {
        if (!observers.TryGetValue(name, out var observer)) return output;
        switch (Mode)
        {
            case QuantizationMode.Calibrating:
                if (!followers.Contains(name)) observer.Include(output);
                return output;
            case QuantizationMode.Tracking:
                if (model.training && !followers.Contains(name)) observer.Average(output, Momentum);
                return observer.Quantizer(Bits).FakeQuantize(output);
            default:
                return frozen![name].FakeQuantize(output);
        }
    }

    /// <summary>The grids as checkpoint tensors: "quant/act/&lt;node&gt;.scale" (float32), ".zero_point" (int32)
    /// and "quant/activation_bits" (int32).</summary>
    public Dictionary<string, Tensor> ToTensors() => ToTensors(Grids());

    /// <summary>The checkpoint tensors of <paramref name="grids"/> (see <see cref="ToTensors()"/>).</summary>
    public static Dictionary<string, Tensor> ToTensors(IReadOnlyDictionary<string, AffineQuantizer> grids)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (node, grid) in grids)
        {
            tensors[TensorPrefix + node + ".scale"] = tensor(grid.Scale);
            tensors[TensorPrefix + node + ".zero_point"] = tensor(grid.ZeroPoint);
        }
        if (grids.Count > 0) tensors[BitsTensor] = tensor(grids.Values.First().Bits);
        return tensors;
    }

    /// <summary>Reads the grids written by <see cref="ToTensors()"/>; empty when there are none.</summary>
    public static Dictionary<string, AffineQuantizer> FromTensors(IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var grids = new Dictionary<string, AffineQuantizer>();
        var scales = tensors.Keys.Where(k => k.StartsWith(TensorPrefix, StringComparison.Ordinal) && k.EndsWith(".scale", StringComparison.Ordinal));
        if (!scales.Any()) return grids;
        if (!tensors.TryGetValue(BitsTensor, out var bitsTensor))
            throw new ApcException($"{source}: activation grids without '{BitsTensor}'.");
        int bits = Scalar<int>(bitsTensor, BitsTensor, source);
        foreach (var key in scales)
        {
            var node = key[TensorPrefix.Length..^".scale".Length];
            var zeroKey = TensorPrefix + node + ".zero_point";
            if (!tensors.TryGetValue(zeroKey, out var zero)) throw new ApcException($"{source}: '{key}' has no '{zeroKey}'.");
            var scale = Scalar<float>(tensors[key], key, source);
            var zeroPoint = Scalar<int>(zero, zeroKey, source);
            var grid = new AffineQuantizer(scale, zeroPoint, bits);
            if (!(scale > 0) || !float.IsFinite(scale) || zeroPoint < 0 || zeroPoint > grid.MaxLevel)
                throw new ApcException($"{source}: activation grid of '{node}' is invalid (scale {scale}, zero point {zeroPoint}, {bits} bits).");
            grids[node] = grid;
        }
        return grids;
    }

    /// <summary>The observed ranges, for resuming quantization-aware training ("qat/act/&lt;node&gt;.range", float64 [2]).</summary>
    public Dictionary<string, Tensor> RangeTensors() =>
        points.Where(p => !followers.Contains(p) && observers[p].HasRange)
              .ToDictionary(p => RangePrefix + p + ".range", p => tensor(new[] { observers[p].Min, observers[p].Max }));

    /// <summary>Restores the observed ranges saved by <see cref="RangeTensors"/>; a missing one is an <see cref="ApcException"/> naming <paramref name="source"/>.</summary>
    public void LoadRanges(IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        foreach (var point in points.Where(p => !followers.Contains(p)))
        {
            if (!tensors.TryGetValue(RangePrefix + point + ".range", out var range) || range.numel() != 2)
                throw new ApcException($"{source}: no saved activation range for '{point}'; cannot resume quantization-aware training.");
            var values = range.to(float64).cpu().data<double>().ToArray();
            observers[point].Set(values[0], values[1]);
        }
    }

    static T Scalar<T>(Tensor t, string key, string source) where T : unmanaged
    {
        if (t.numel() != 1) throw new ApcException($"{source}: '{key}' should hold one number (shape [{string.Join(',', t.shape)}]).");
        var type = typeof(T) == typeof(float) ? ScalarType.Float32 : ScalarType.Int32;
        using var converted = t.to(type);
        return converted.item<T>();
    }

    /// <summary>Each quantization point with the point whose grid it reuses (null: its own).</summary>
    static List<(string Node, string? SharesWith)> Plan(ClassifierNet model)
    {
        var plan = new List<(string Node, string? SharesWith)>();
        Walk(model.Nodes, null);
        return plan;

        // Follows the data flow so that each node knows which node produced its input (both branches of a
        // residual node start from the residual's input).
        void Walk(IReadOnlyList<ModelNode> nodes, string? input)
        {
            foreach (var node in nodes)
            {
                switch (node)
                {
                    case LayerNode { Kind: LayerKind.ReLU or LayerKind.AvgPool }:
                        plan.Add((node.Name, null));
                        break;
                    case LayerNode { Kind: LayerKind.MaxPool }:
                        var source = plan.FirstOrDefault(p => p.Node == input);
                        plan.Add((node.Name, source.Node is null ? null : source.SharesWith ?? source.Node));
                        break;
                    case ResidualNode residual:
                        Walk(residual.Main, input);
                        Walk(residual.Shortcut, input);
                        break;
                }
                input = node.Name;
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{points.Count} activation quantizers, {Bits} bits, {Mode}");
}
