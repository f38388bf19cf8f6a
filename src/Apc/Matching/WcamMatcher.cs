using static TorchSharp.torch;

namespace Apc.Matching;

/// <summary>Weighted collapsed attribution matching (method.md §2): teacher and student maps
/// M = ReLU(Σ_k α_k·A_k), α_k = Σ_{i,j} ∂z_c/∂A_{k,i,j}, for the target classes chosen from the teacher's logits.
/// With stochastic matching (<see cref="MatcherOptions.Drop"/> = p &gt; 0) every step draws one random set D of
/// ⌊p·K⌋ distinct teacher channels per layer, for the whole batch, and the teacher map is collapsed without them;
/// the student map is unchanged. The draws come from a generator seeded with <see cref="MatcherOptions.Seed"/> and
/// owned by this matcher (a resumed training run restarts it).</summary>
public sealed class WcamMatcher : MapMatcher
{
    readonly Random random;
    int[][] dropped = Array.Empty<int[]>();

    /// <summary>WCAM with the checked <paramref name="options"/>; the drop generator is seeded with its Seed.</summary>
    public WcamMatcher(MatcherOptions options) : base(options with { Kind = MatchingKind.Wcam })
    {
        random = new Random(Options.Seed);
    }

    /// <summary>The teacher channels left out at each matching layer in the last step (ascending; empty without --drop).</summary>
    public IReadOnlyList<IReadOnlyList<int>> LastDropped => dropped;

    /// <summary>⌊p·K⌋, with a tolerance so that 0.3·10 counts 3 despite rounding.</summary>
    public static int DropCount(double p, long channels) => (int)Math.Floor(p * channels + 1e-9);

    /// <inheritdoc/>
    protected override bool UsesSensitivities => true;

    /// <inheritdoc/>
    protected override void BeginStep(IReadOnlyList<long> teacherChannels)
    {
        dropped = teacherChannels.Select(k =>
        {
            int count = DropCount(Options.Drop, k);
            if (count == 0) return Array.Empty<int>();
            // Partial Fisher–Yates: the first `count` entries become a uniform random subset.
            var channels = Enumerable.Range(0, (int)k).ToArray();
            for (int i = 0; i < count; i++)
            {
                int j = random.Next(i, channels.Length);
                (channels[i], channels[j]) = (channels[j], channels[i]);
            }
            var set = channels[..count];
            Array.Sort(set);
            return set;
        }).ToArray();
    }

    /// <inheritdoc/>
    protected override Tensor TeacherMap(int layer, Tensor activation, Tensor? sensitivity)
    {
        if (dropped.Length <= layer || dropped[layer].Length == 0) return CollapsedMaps.Weighted(activation, sensitivity!);
        using var scope = NewDisposeScope();
        var keep = ones(activation.shape[1], dtype: activation.dtype, device: activation.device);
        keep.index_put_(0.0, new[] { tensor(dropped[layer].Select(c => (long)c).ToArray(), device: activation.device) });
        return CollapsedMaps.Weighted(activation, sensitivity!, keep).MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    protected override Tensor StudentMap(int layer, Tensor activation, Tensor? sensitivity) =>
        CollapsedMaps.Weighted(activation, sensitivity!);
}
