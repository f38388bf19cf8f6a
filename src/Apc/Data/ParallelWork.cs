using System.Runtime.ExceptionServices;

namespace Apc.Data;

/// <summary>Parallel loops that surface a worker's exception as itself rather than wrapped in an
/// AggregateException, so that an <see cref="ApcException"/> about a bad file reaches the user as one line.</summary>
internal static class ParallelWork
{
    public static void For(int count, Action<int> body) => Unwrap(() => Parallel.For(0, count, body));

    public static void Invoke(params Action[] actions) => Unwrap(() => Parallel.Invoke(actions));

    private static void Unwrap(Action run)
    {
        try { run(); }
        catch (AggregateException e)
        {
            var flat = e.Flatten().InnerExceptions;
            // Prefer the user-facing error when several workers failed at once.
            var first = flat.FirstOrDefault(x => x is ApcException) ?? flat[0];
            ExceptionDispatchInfo.Throw(first);
        }
    }
}
