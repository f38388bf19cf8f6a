using TorchSharp;

namespace Apc.Util;

/// <summary>The number of intra-op threads torch computes with. Training results depend on it: a different count sums
/// floating-point terms in another order, and over hundreds of SGD steps those last-bit differences grow into different
/// weights (docs/experiments.md measured up to 0.5 mAP points between 1 and 2 threads). So the count is a setting of a
/// training run like the learning rate, and every command applies it explicitly (never "whatever the process last set")
/// and records it in the fingerprints of the runs that train.</summary>
public static class TorchThreads
{
    // Captured before apc sets any count (every set goes through Apply, which reads it first): torch's own default,
    // which a fresh process starts with (the core count unless OMP_NUM_THREADS says otherwise).
    static readonly Lazy<int> initial = new(() => torch.get_num_threads(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Torch's default count in this process: what a command without --threads (0) computes with.</summary>
    public static int Default => initial.Value;

    /// <summary>The count a command with --threads <paramref name="requested"/> computes with: the request, or
    /// <see cref="Default"/> for 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="requested"/> is negative.</exception>
    public static int Effective(int requested)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requested);
        return requested > 0 ? requested : Default;
    }

    /// <summary>Sets this thread's intra-op count to <see cref="Effective"/>(<paramref name="requested"/>) and returns
    /// it. Setting the default explicitly matters when several commands run in one process (an experiment's stages, the
    /// tests): a command without --threads does not inherit an earlier command's count.</summary>
    public static int Apply(int requested)
    {
        _ = Default; // torch's own default, read before the first set changes it
        int count = Effective(requested);
        torch.set_num_threads(count);
        return count;
    }
}
