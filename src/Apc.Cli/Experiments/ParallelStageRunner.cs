using System.Diagnostics;
using System.Globalization;
using Apc.Util;
using Spectre.Console;

namespace Apc.Cli.Experiments;

/// <summary>The local executor with <c>--jobs N</c> (N ≥ 2): runs up to N stages at once, each as its own
/// <c>apc stage</c> child process (the command a Slurm job runs, so it leaves the same done marker), in plan order as soon
/// as the stages it needs (<see cref="ExperimentStage.Needs"/>) have finished. Each child's output goes to
/// OUT/logs/ID.log; this process prints one line when a stage starts or ends and, every minute, what is running with the
/// last line of its log. A failed stage stops new starts; the running ones finish (and keep their markers), then the
/// failure is reported with the end of its log. On the 2-core development machine two single-threaded stages at once
/// were slower than one stage at a time on two threads (docs/performance.md).</summary>
public static class ParallelStageRunner
{
    /// <summary>The folder of the children's logs.</summary>
    public static string LogFolder(string outDir) => Path.Combine(outDir, "logs");

    /// <summary>Runs every stage whose done marker is missing. <paramref name="finishedEarlier"/> are the stages found done
    /// before the run; each is checked again (<paramref name="checkFinished"/>) once the stages it needs are done, since a
    /// stage that ran now may have changed its inputs.</summary>
    /// <exception cref="ApcException">A stage failed (after the running ones finished), or a finished one is stale.</exception>
    public static void Run(IReadOnlyList<ExperimentStage> stages, string outDir, int jobs, bool force, Action<ExperimentStage> checkFinished)
    {
        if (jobs < 2) throw new ArgumentOutOfRangeException(nameof(jobs), "the parallel executor runs two or more stages at once.");
        var logs = LogFolder(outDir);
        AtomicFile.EnsureWritableFolder(logs, "stage log folder");
        var index = stages.Select((s, i) => (s.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var done = new HashSet<string>();
        var pendingCheck = new List<ExperimentStage>();
        var waiting = new List<ExperimentStage>();
        foreach (var stage in stages)
        {
            if (force && File.Exists(stage.DoneMarker)) File.Delete(stage.DoneMarker);
            if (File.Exists(stage.DoneMarker)) pendingCheck.Add(stage);
            else waiting.Add(stage);
        }

        var running = new List<(ExperimentStage Stage, Process Process, StreamWriter Writer, Stopwatch Clock, string Log)>();
        void KillAll(object? sender, EventArgs e)
        {
            lock (running)
                foreach (var r in running)
                    try { if (!r.Process.HasExited) r.Process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
        Console.CancelKeyPress += KillAll;
        AppDomain.CurrentDomain.ProcessExit += KillAll;
        // kill PID or a hang-up ends the stages too (the default SIGTERM ends only this process).
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, _ => KillAll(null, EventArgs.Empty));
        using var hangUp = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGHUP, _ => KillAll(null, EventArgs.Empty));

        var clock = Stopwatch.StartNew();
        double totalWeight = waiting.Sum(s => s.Weight), workedWeight = 0;
        var worked = TimeSpan.Zero;
        var lastHeartbeat = Stopwatch.StartNew();
        (ExperimentStage Stage, int Code, string Log)? failed = null;
        string Tag(ExperimentStage s) => $"[[{index[s.Id] + 1}/{stages.Count}]]";
        string Remaining()
        {
            if (workedWeight <= 0) return "estimating";
            double left = waiting.Sum(s => s.Weight) + running.Sum(r => r.Stage.Weight);
            return TimeSpan.FromSeconds(worked.TotalSeconds / workedWeight * left / jobs).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture);
        }

        try
        {
            while (true)
            {
                // Finished earlier: counted as done once what they read is final, after checking they are still current.
                while (pendingCheck.FirstOrDefault(s => s.Needs.All(done.Contains)) is { } stage)
                {
                    checkFinished(stage);
                    AnsiConsole.MarkupLine($"[grey]{Tag(stage)} {Markup.Escape(stage.Label)}: done earlier, skipped[/]");
                    done.Add(stage.Id);
                    pendingCheck.Remove(stage);
                }
                // Start what can start, in plan order.
                while (failed is null && running.Count < jobs && waiting.FirstOrDefault(s => s.Needs.All(done.Contains)) is { } next)
                {
                    waiting.Remove(next);
                    var log = Path.Combine(logs, next.Id + ".log");
                    var (process, writer) = Start(next, log);
                    lock (running) running.Add((next, process, writer, Stopwatch.StartNew(), log));
                    AnsiConsole.MarkupLine($"{Tag(next)} [bold]started[/] {Markup.Escape(next.Label)} [grey](output: {Markup.Escape(log)})[/]");
                }
                if (running.Count == 0)
                {
                    if (failed is { } f) throw Failure(f.Stage, f.Code, f.Log);
                    if (waiting.Count == 0 && pendingCheck.Count == 0) return;
                    // Nothing runs and nothing can start: a stage needs one that is not in the plan (a bug of the plan).
                    var stuck = waiting.Concat(pendingCheck).First();
                    throw new ApcException($"experiment stage '{stuck.Label}' needs {string.Join(", ", stuck.Needs.Where(n => !done.Contains(n)))}, which never finished.");
                }
                Thread.Sleep(500);
                foreach (var r in running.Where(r => r.Process.HasExited).ToList())
                {
                    lock (running) running.Remove(r);
                    r.Process.WaitForExit(); // the last output lines are written
                    int code = r.Process.ExitCode;
                    r.Process.Dispose();
                    r.Writer.Dispose();
                    if (code == 0 && File.Exists(r.Stage.DoneMarker))
                    {
                        done.Add(r.Stage.Id);
                        worked += r.Clock.Elapsed;
                        workedWeight += r.Stage.Weight;
                        AnsiConsole.MarkupLine($"{Tag(r.Stage)} [green]finished[/] {Markup.Escape(r.Stage.Label)} in {r.Clock.Elapsed:h\\:mm\\:ss} " +
                                               $"[grey](elapsed {clock.Elapsed:h\\:mm\\:ss}, remaining ≈ {Remaining()})[/]");
                    }
                    else
                    {
                        AnsiConsole.MarkupLine($"{Tag(r.Stage)} [red]failed[/] {Markup.Escape(r.Stage.Label)} (exit code {code})" +
                                               (running.Count > 0 ? "; letting the running stages finish, starting no new one" : ""));
                        failed ??= (r.Stage, code == 0 ? 1 : code, r.Log);
                    }
                }
                if (lastHeartbeat.Elapsed >= TimeSpan.FromMinutes(1) && running.Count > 0)
                {
                    lastHeartbeat.Restart();
                    foreach (var r in running)
                        AnsiConsole.MarkupLine($"[grey]  running {Markup.Escape(r.Stage.Label)} for {r.Clock.Elapsed:h\\:mm\\:ss}: {Markup.Escape(LastLine(r.Log))}[/]");
                }
            }
        }
        finally
        {
            KillAll(null, EventArgs.Empty);
            Console.CancelKeyPress -= KillAll;
            AppDomain.CurrentDomain.ProcessExit -= KillAll;
        }
    }

    /// <summary>apc stage --done MARKER --label LABEL -- ARGS, output (stdout and stderr) appended to <paramref name="log"/>.</summary>
    static (Process, StreamWriter) Start(ExperimentStage stage, string log)
    {
        var command = Slurm.SlurmScripts.ApcCommand();
        var info = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var word in command.Skip(1).Concat(["stage", "--done", stage.DoneMarker, "--label", stage.Label, "--"]).Concat(stage.Arguments))
            info.ArgumentList.Add(word);
        var writer = new StreamWriter(log, append: false) { AutoFlush = true }; // this run's output only
        writer.WriteLine($"# apc {CommandLine.Format(info.ArgumentList.Skip(command.Length - 1))}");
        var process = new Process { StartInfo = info };
        void Write(string? line) { if (line is not null) lock (writer) writer.WriteLine(line); }
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        if (!process.Start()) throw new ApcException($"experiment stage '{stage.Label}': could not start '{command[0]}'.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, writer);
    }

    static ApcException Failure(ExperimentStage stage, int code, string log)
    {
        var tail = ReadLines(log).Where(l => !l.Contains("NNPACK", StringComparison.Ordinal)).TakeLast(8).ToList();
        foreach (var line in tail) Console.Error.WriteLine("  | " + line);
        return new ApcException($"experiment stage '{stage.Label}' failed (exit code {code}; its output: {log}, last lines above); " +
                                "fix the cause and rerun the same command to continue.");
    }

    /// <summary>The log's last line of output (not the command line it starts with), cut to 100 characters.</summary>
    public static string LastLine(string log)
    {
        var line = ReadLines(log).LastOrDefault(l => l.Trim().Length > 0 && !l.StartsWith("# apc ", StringComparison.Ordinal)
                                                     && !l.Contains("NNPACK", StringComparison.Ordinal)) ?? "(no output yet)";
        line = line.Trim();
        return line.Length <= 100 ? line : line[..99] + "…";
    }

    static IReadOnlyList<string> ReadLines(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        }
        catch (IOException) { return []; }
    }
}
