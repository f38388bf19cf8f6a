using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Util;

/// <summary>
/// Keeps every tensor a command creates alive until the command ends, unless the code disposes it earlier.
/// <para>
/// Why: a TorchSharp <see cref="Tensor"/> is a raw native handle with a finalizer. In a chain such as
/// <c>x.detach().cpu()</c>, the temporary made by <c>detach()</c> is unreachable once its handle has been passed to the
/// native call of <c>cpu()</c>; if a garbage collection happens during that call, the finalizer thread frees the native
/// tensor while libtorch is still copying it, and the process dies with a segmentation fault in
/// <c>c10::intrusive_ptr&lt;TensorImpl&gt;::retain_</c> (seen in apc's test run and in <c>apc demo --quick</c>, 2026-12-01,
/// about one run in five). A tensor created inside a <see cref="DisposeScope"/> is referenced by the scope, so it is
/// never finalized early. Each command therefore runs inside one scope, and the scopes the code opens inside it (per
/// batch, per step) still free their tensors as before; what the command's scope adds is that the few tensors created
/// outside them live until the command returns instead of until the next collection.
/// </para>
/// <para>The scope belongs to the calling thread (TorchSharp's scopes are per thread); threads a command starts open
/// their own (<see cref="Data.BatchLoader"/> does).</para>
/// </summary>
public static class TensorLifetime
{
    /// <summary>A scope that owns every tensor created on this thread until it is disposed (dispose it when the command ends).</summary>
    public static DisposeScope CommandScope() => NewDisposeScope();
}
