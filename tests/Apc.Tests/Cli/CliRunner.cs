using System.Diagnostics;

namespace Apc.Tests.Cli;

/// <summary>Runs the apc command line in-process (capturing the error line) or as a child process.</summary>
public static class CliRunner
{
    public static (int Code, string Error) Run(params string[] args)
    {
        var writer = new StringWriter();
        int code = Apc.Cli.ApcApp.Run(args, writer);
        return (code, writer.ToString());
    }

    /// <summary>The CLI assembly next to the test assembly (the test project references it).</summary>
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "Apc.Cli.dll");

    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(CliDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs the CLI as a child process to its end: its exit code and everything it wrote to stderr. Long
    /// training runs use this, so that the test host's other work does not share their process (and its garbage
    /// collector) with them.</summary>
    public static (int Code, string Error) RunChild(params string[] args) => RunChild(new Dictionary<string, string?>(), args);

    /// <summary><see cref="RunChild(string[])"/> with environment variables set (or removed, for a null value).</summary>
    public static (int Code, string Error) RunChild(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment)
            if (value is null) info.Environment.Remove(name); else info.Environment[name] = value;
        info.ArgumentList.Add(CliDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var error = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (error) error.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        lock (error) return (process.ExitCode, error.ToString());
    }

    /// <summary>A tiny train command line; an option in <paramref name="more"/> replaces the default one (apc refuses an
    /// option given twice).</summary>
    public static string[] TinyTrain(string outDir, params string[] more)
    {
        var defaults = new[] { "--arch", "vgg11-bn:w=1/16", "--train-size", "96", "--val-size", "32", "--batch-size", "32",
                               "--image-size", "32", "--epochs", "2", "--lr-steps", "", "--out", outDir };
        var args = new List<string> { "train" };
        for (int i = 0; i < defaults.Length; i += 2)
            if (!more.Contains(defaults[i])) args.AddRange(defaults.AsSpan(i, 2).ToArray());
        return args.Concat(more).ToArray();
    }
}
