using System.Reflection;
using Apc.Util;
using TorchSharp;
using Xunit.Sdk;

[assembly: Apc.Tests.TensorScopePerTest]

namespace Apc.Tests;

/// <summary>Runs every synchronous test inside a tensor scope, as apc runs every command (<see cref="TensorLifetime"/>):
/// test code chains temporaries (<c>x.detach().cpu()</c>) like the library does, and without a scope a garbage
/// collection during such a chain can free a tensor libtorch is still reading, which kills the test host.
/// Asynchronous tests are left alone, because their body may continue on another thread than the one that opened the
/// scope (TorchSharp's scopes are per thread).</summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class TensorScopePerTestAttribute : BeforeAfterTestAttribute
{
    [ThreadStatic] static Stack<DisposeScope>? open;

    public override void Before(MethodInfo methodUnderTest)
    {
        if (methodUnderTest.ReturnType != typeof(void)) return;
        (open ??= new Stack<DisposeScope>()).Push(TensorLifetime.CommandScope());
    }

    public override void After(MethodInfo methodUnderTest)
    {
        if (methodUnderTest.ReturnType != typeof(void) || open is not { Count: > 0 }) return;
        open.Pop().Dispose();
    }
}
