using Apc.Util;

namespace Apc.Cli.Terminal;

/// <summary>What to type to continue a run that Ctrl-C or SIGTERM stopped. train and compress keep their state after every
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

    /// <summary>Prints the hint on stderr when Ctrl-C (SIGINT) or SIGTERM (kill, timeout, a Slurm job's time limit)
    /// interrupts the verb that <paramref name="args"/> runs, until disposed. Nested runs (an experiment's stages run in
    /// this process) keep the outermost hint.</summary>
    public static IDisposable WhileRunning(IReadOnlyList<string> args, TextWriter error)
    {
        var hint = For(args);
        if (hint is null || Interlocked.CompareExchange(ref active, 1, 0) != 0) return Nothing.Instance;
        int printed = 0;
        void Print()
        {
            // The process ends after the handler (nothing cancels the signal): epoch states are written atomically, so
            // the last finished epoch is what --resume continues from.
            if (Interlocked.Exchange(ref printed, 1) != 0) return;
            error.WriteLine();
            error.WriteLine($"interrupted. To continue, run: {hint}");
            error.Flush();
        }
        ConsoleCancelEventHandler handler = (_, _) => Print();
        Console.CancelKeyPress += handler;
        var terminate = OperatingSystem.IsWindows() ? null : System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, _ => Print());
        return new Registration(handler, terminate);
    }

    static int active;

    sealed class Registration(ConsoleCancelEventHandler handler, IDisposable? terminate) : IDisposable
    {
        public void Dispose()
        {
            Console.CancelKeyPress -= handler;
            terminate?.Dispose();
            Interlocked.Exchange(ref active, 0);
        }
    }

    sealed class Nothing : IDisposable
    {
        public static readonly Nothing Instance = new();
        public void Dispose() { }
    }
}
