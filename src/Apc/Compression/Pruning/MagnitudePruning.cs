using Apc.Models;
using Apc.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Compression.Pruning;

/// <summary>Global magnitude pruning (Han et al. 2015; method.md §3): one threshold over all pruned weight tensors
/// together, so a layer whose weights are small loses more of them than a layer whose weights are large. Masks are
/// boolean tensors shaped like their weights, true where the weight is kept, keyed by parameter name
/// (features.0.weight); checkpoints store them as "mask/&lt;parameter name&gt;".</summary>
public static class MagnitudePruning
{
    /// <summary>The name prefix of mask tensors in checkpoints (<see cref="WeightMasks.Prefix"/>).</summary>
    public const string MaskPrefix = WeightMasks.Prefix;

    /// <summary>The weights pruned: every conv's weight, and the linear layers' weights too when
    /// <paramref name="includeLinear"/>. Biases and batch norm stay dense.</summary>
    public static IReadOnlyList<string> PrunableParameters(ClassifierNet model, bool includeLinear) =>
        model.AllNodes().OfType<LayerNode>()
            .Where(n => n.Kind == LayerKind.Conv || (includeLinear && n.Kind == LayerKind.Linear))
            .Select(n => n.Name + ".weight").ToList();

    /// <summary>Cumulative sparsity after round r at a per-round rate: 1 − (1 − rate)^r.</summary>
    public static double CumulativeSparsity(double rate, int round) => 1 - Math.Pow(1 - rate, round);

    /// <summary>Number of weights zeroed at a sparsity: round(sparsity·N), halves away from zero.</summary>
    public static long PrunedCount(double sparsity, long total) => (long)Math.Round(sparsity * total, MidpointRounding.AwayFromZero);

    /// <summary>Masks that zero exactly <paramref name="count"/> of the weights named in <paramref name="parameters"/>:
    /// those of smallest magnitude over all tensors together. Weights already pruned by <paramref name="previous"/>
    /// go first, so masks of successive rounds are nested. Ties are broken by position (tensors in the given order,
    /// elements in row-major order), so the count is exact and the result deterministic. The caller owns the masks.</summary>
    public static Dictionary<string, Tensor> GlobalMasks(ClassifierNet model, IReadOnlyList<string> parameters, long count,
        IReadOnlyDictionary<string, Tensor>? previous = null)
    {
        var weights = Weights(model, parameters);
        long total = weights.Sum(w => w.Param.numel());
        if (count < 0 || count > total)
            throw new ArgumentOutOfRangeException(nameof(count), $"cannot prune {count} of {total} weights.");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var magnitudes = weights.Select(w =>
        {
            var m = w.Param.detach().abs().flatten();
            return previous is not null && previous.TryGetValue(w.Name, out var kept)
                ? where(kept.flatten().to(m.device), m, full_like(m, -1.0)) : m;
        }).ToList();
        var flat = cat(magnitudes, 0);
        var keep = ones(total, dtype: ScalarType.Bool, device: flat.device);
        if (count > 0)
        {
            var (_, order) = flat.sort(0, descending: false, stable: true);
            keep.index_fill_(0, order.narrow(0, 0, count), false);
        }
        var pieces = keep.split(weights.Select(w => w.Param.numel()).ToArray());
        var result = new Dictionary<string, Tensor>();
        for (int i = 0; i < weights.Count; i++)
            result[weights[i].Name] = pieces[i].view(weights[i].Param.shape).clone().MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>Zeroes the pruned weights in place (<see cref="WeightMasks.Apply"/>).</summary>
    public static void Apply(ClassifierNet model, IReadOnlyDictionary<string, Tensor> masks) => WeightMasks.Apply(model, masks);

    /// <summary>Fraction of zero entries of each named weight, and over all of them together.</summary>
    public static (IReadOnlyDictionary<string, double> PerTensor, double Global, long Zeros, long Total) Sparsity(
        ClassifierNet model, IReadOnlyList<string> parameters)
    {
        using var scope = NewDisposeScope();
        var per = new Dictionary<string, double>();
        long zeros = 0, total = 0;
        foreach (var (name, p) in Weights(model, parameters))
        {
            long n = p.numel(), z = n - p.detach().count_nonzero().item<long>();
            per[name] = (double)z / n;
            zeros += z; total += n;
        }
        return (per, total == 0 ? 0 : (double)zeros / total, zeros, total);
    }

    /// <summary>The masks in a checkpoint's extra tensors ("mask/..."), keyed by parameter name.</summary>
    public static Dictionary<string, Tensor> FromExtra(IReadOnlyDictionary<string, Tensor> extra) => WeightMasks.FromExtra(extra);

    /// <summary>The masks named for a checkpoint's extra tensors ("mask/&lt;parameter&gt;"); the tensors are shared, not copied.</summary>
    public static Dictionary<string, Tensor> ToExtra(IReadOnlyDictionary<string, Tensor> masks) => WeightMasks.ToExtra(masks);

    static List<(string Name, TorchSharp.Modules.Parameter Param)> Weights(ClassifierNet model, IReadOnlyList<string> parameters)
    {
        var named = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        return parameters.Select(name => named.TryGetValue(name, out var p)
            ? (name, p)
            : throw new ArgumentException($"{model.Arch} has no parameter '{name}'.", nameof(parameters))).ToList();
    }
}
