namespace Apc.Data;

/// <summary>Derives independent, reproducible seeds from tuples such as (seed, epoch, batch) so that a random
/// stream never depends on the order in which threads happen to run.</summary>
internal static class Seeds
{
    /// <summary>A well-mixed 31-bit seed from three integers (SplitMix64 finaliser applied per part).</summary>
    public static int Mix(int a, int b, int c)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        h = Step(h ^ (uint)a);
        h = Step(h ^ (uint)b);
        h = Step(h ^ (uint)c);
        return (int)(h >> 33);
    }

    private static ulong Step(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
