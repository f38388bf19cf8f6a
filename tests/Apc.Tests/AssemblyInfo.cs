// Torch's random generator and thread pool are process-wide: tests that seed it and train must not
// interleave with other tests, or "deterministic for a seed" cannot be checked. Run test classes one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Apc.Tests
{
    static class NativeSetup
    {
        // A test may call TorchSharp before touching any apc type; the cap must be in place before oneDNN's first primitive.
        [System.Runtime.CompilerServices.ModuleInitializer]
        internal static void CapOneDnnWhereTheCpuReportsNoCaches() => Apc.Util.OneDnnCacheWorkaround.Apply();
    }
}
