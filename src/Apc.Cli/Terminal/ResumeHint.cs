using Apc.Util;

namespace Apc.Cli.Terminal;

/// <summary>What to type to continue a run that Ctrl-C stopped. train and compress keep their state after every
/// epoch and continue with --resume; experiment and demo skip finished stages when run again (without --force,
/// which would redo them).</summary>
public static class ResumeHint
{
    /// <summary>The command line that continues <paramref name="args"/> (an apc invocation without "apc"), or null for
    /// a verb that has nothing to resume.</summary>
    public static string? For(IReadOnlyList<string> args)
    {
        if (args.Count == 0) return null;
        var kept = args.Where(a => a != "--force").ToList();
        switch (args[0])
        {
            case "train":
            case "compress":
                if (!kept.Contains("--resume")) kept.Add("--resume");
                break;
            case "experiment":
            case "demo":
                if (kept.Contains("--status") || kept.Contains("--dry-run")) return null;
                break;
            default:
                return null;
        }
        return "apc " + CommandLine.Format(kept);
    }

    /// <summary>Prints the hint on stderr when Ctrl-C interrupts the verb that <paramref name="args"/> runs, until disposed.
    /// Nested runs (an experiment's stages run in this process) keep the outermost hint.</summary>
    public static IDisposable WhileRunning(IReadOnlyList<string> args, TextWriter error)
    {
        var hint = For(args);
        if (hint is null || Interlocked.CompareExchange(ref active, 1, 0) != 0) return Nothing.Instance;
        ConsoleCancelEventHandler handler = (_, _) =>
        {
            // The process ends after this handler (e.Cancel stays false): epoch states are written atomically, so the
            // last finished epoch is what --resume continues from.
            error.WriteLine();
            error.WriteLine($"interrupted. To continue, run: {hint}");
            error.Flush();
        };
        Console.CancelKeyPress += handler;
        return new Registration(handler);
    }

    static int active;

    sealed class Registration(ConsoleCancelEventHandler handler) : IDisposable
    {
        public void Dispose()
        {
            Console.CancelKeyPress -= handler;
            Interlocked.Exchange(ref active, 0);
        }
    }

    sealed class Nothing : IDisposable
    {
        public static readonly Nothing Instance = new();
        public void Dispose() { }
    }
}
