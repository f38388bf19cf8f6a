using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Apc.Util;

/// <summary>
/// Keeps oneDNN's convolutions correct on machines whose CPU reports no cache sizes.
/// <para>
/// libtorch 2.10 runs CPU convolutions through oneDNN 3.7. On an AMD EPYC guest under Firecracker (2 cores), whose cpuid
/// reports no cache through the leaf oneDNN reads (every sub-leaf of 0x8000001D is zero; /sys lists no caches either), the AVX-512 and AVX2
/// convolution kernels return non-finite input gradients at random, and even the AVX (GEMM-based) forward pass does now
/// and then: training turns to NaN within a few steps at any learning rate. The SSE4.1 kernels, and libtorch's own
/// convolution without oneDNN, were correct in every repetition. That the kernels fail because they size their work
/// from the missing cache description is our inference; the symptom and the cure were measured
/// (docs/performance.md, "CPUs that report no caches").
/// </para>
/// <para>
/// On such a CPU, and only when the user has not chosen an instruction set themselves (<c>DNNL_MAX_CPU_ISA</c> or
/// <c>ONEDNN_MAX_CPU_ISA</c>), <see cref="Apply"/> caps oneDNN at SSE4.1, about 1.8× slower in training than the
/// uncapped kernels are elsewhere. oneDNN reads the variable once, at its first primitive, so this runs as the
/// library's module initializer, before apc computes anything.
/// </para>
/// </summary>
public static class OneDnnCacheWorkaround
{
    /// <summary>The environment variable oneDNN reads for its highest instruction set.</summary>
    public const string Variable = "DNNL_MAX_CPU_ISA";

    /// <summary>The instruction set oneDNN is capped at on a CPU without cache sizes.</summary>
    public const string SafeIsa = "SSE41";

    /// <summary>True when <see cref="Apply"/> capped oneDNN in this process.</summary>
    public static bool Applied { get; private set; }

#pragma warning disable CA2255 // A module initializer is the one point that runs before any oneDNN primitive is created.
    [ModuleInitializer]
    internal static void OnLoad() => Apply();
#pragma warning restore CA2255

    /// <summary>Caps oneDNN at <see cref="SafeIsa"/> when this CPU reports no cache sizes and the user chose no
    /// instruction set; otherwise does nothing. Idempotent. Has effect only before oneDNN's first primitive.</summary>
    public static void Apply()
    {
        if (Applied || !OperatingSystem.IsLinux() || !X86Base.IsSupported) return;
        if (Environment.GetEnvironmentVariable(Variable) is not null || Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") is not null) return;
        if (!ReportsNoCacheSizes(ReadCpu())) return;
        // .NET keeps its own copy of the environment on Linux; the native library sees only libc's.
        if (setenv(Variable, SafeIsa, 0) != 0) return;
        Environment.SetEnvironmentVariable(Variable, SafeIsa);
        Applied = true;
    }

    /// <summary>The cpuid words that say whether a CPU reports its caches.</summary>
    /// <param name="Vendor">The 12-character vendor string of leaf 0, e.g. "GenuineIntel" or "AuthenticAMD".</param>
    /// <param name="MaxLeaf">The highest basic leaf (leaf 0, EAX).</param>
    /// <param name="MaxExtendedLeaf">The highest extended leaf (leaf 0x80000000, EAX).</param>
    /// <param name="Leaf4Eax">Leaf 4 sub-leaf 0, EAX (Intel's deterministic cache parameters; bits 0-4 the cache type, 0 = none).</param>
    /// <param name="Leaf8000001DEax">Leaf 0x8000001D sub-leaf 0, EAX (AMD's cache properties; bits 0-4 the cache type).</param>
    public sealed record CpuCacheWords(string Vendor, uint MaxLeaf, uint MaxExtendedLeaf, uint Leaf4Eax, uint Leaf8000001DEax);

    /// <summary>True when the leaf that oneDNN's CPU description (Xbyak's <c>Cpu</c>) reads for this vendor's cache
    /// sizes describes no cache, so that it knows zero cache levels: on Intel leaf 4; on AMD leaf 0x8000001D, which it
    /// prefers whenever the CPU's highest extended leaf reaches it (older AMD CPUs report through 0x80000005/6).</summary>
    public static bool ReportsNoCacheSizes(CpuCacheWords cpu) => cpu.Vendor switch
    {
        "GenuineIntel" => cpu.MaxLeaf >= 4 && (cpu.Leaf4Eax & 0x1F) == 0,
        "AuthenticAMD" => cpu.MaxExtendedLeaf >= 0x8000001D && (cpu.Leaf8000001DEax & 0x1F) == 0,
        _ => false,
    };

    /// <summary>The cache words of the CPU this process runs on. Requires <see cref="X86Base.IsSupported"/>.</summary>
    public static CpuCacheWords ReadCpu()
    {
        var (maxLeaf, vb, vc, vd) = X86Base.CpuId(0, 0);
        var vendor = Ascii(vb) + Ascii(vd) + Ascii(vc);
        uint maxExtended = (uint)X86Base.CpuId(unchecked((int)0x80000000), 0).Eax;
        uint leaf4 = (uint)maxLeaf >= 4 ? (uint)X86Base.CpuId(4, 0).Eax : 0;
        uint leafAmd = maxExtended >= 0x8000001D ? (uint)X86Base.CpuId(unchecked((int)0x8000001D), 0).Eax : 0;
        return new CpuCacheWords(vendor, (uint)maxLeaf, maxExtended, leaf4, leafAmd);
    }

    static string Ascii(int register) => System.Text.Encoding.ASCII.GetString(BitConverter.GetBytes(register));

    [DllImport("libc", EntryPoint = "setenv")]
    static extern int setenv(string name, string value, int overwrite);
}
