namespace Apc.Evaluation.Statistics;

/// <summary>SplitMix64 (Steele, Lea, Flood 2014): a tiny, fixed random generator, so that seeded results stay
/// the same on every platform and .NET version. Bounded integers by rejection, so they are exactly uniform.</summary>
internal sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, n).</summary>
    public int Next(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "the bound must be positive.");
        ulong bound = (ulong)n, limit = ulong.MaxValue - ulong.MaxValue % bound;
        ulong x;
        do x = NextUInt64(); while (x >= limit);
        return (int)(x % bound);
    }
}
