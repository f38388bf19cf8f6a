using System.Runtime.CompilerServices;
using Apc.Util;
using static TorchSharp.torch;

namespace Apc.Tests.Util;

/// <summary>A command's scope keeps the temporaries it creates from being finalized while the command runs (the cause
/// of a segmentation fault in libtorch when a collection freed a tensor in the middle of a native call), and frees them
/// when the command ends.</summary>
public class TensorLifetimeTests
{
    [Fact]
    public void AnUnreferencedTemporaryOutlivesACollectionInsideTheScopeAndIsFreedWithIt()
    {
        WeakReference<Tensor> temporary;
        using (TensorLifetime.CommandScope())
        {
            temporary = Temporary();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            Assert.True(temporary.TryGetTarget(out var alive), "the scope must hold the temporary");
            Assert.False(alive!.IsInvalid);
            Assert.Equal(4f, alive.sum().item<float>());
        }
        Assert.True(temporary.TryGetTarget(out var after));
        Assert.True(after!.IsInvalid, "the scope frees what it holds when the command ends");
    }

    [Fact]
    public void TensorsTheCodeDetachesFromTheScopeOutliveIt()
    {
        Tensor kept;
        using (TensorLifetime.CommandScope())
            kept = ones(3).DetachFromDisposeScope();
        using (kept)
            Assert.Equal(3f, kept.sum().item<float>());
    }

    // Not inlined, so that nothing on the test's stack refers to the tensor once it returns.
    [MethodImpl(MethodImplOptions.NoInlining)]
    static WeakReference<Tensor> Temporary() => new(ones(2, 2).detach());
}
