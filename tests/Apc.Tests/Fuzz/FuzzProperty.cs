using System.Security.Cryptography;

namespace Apc.Tests.Fuzz;

/// <summary>The property every parser of user input must have: an input is accepted, or refused with an
/// <see cref="ApcException"/> (or, for command lines, Spectre's usage error) whose message is one non-empty line.
/// Any other exception is a fault; so is an input that takes longer than <see cref="Limit"/> (a hang).</summary>
internal static class FuzzProperty
{
    /// <summary>Far beyond what any seed input needs (milliseconds); only a hang reaches it.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>Null when the property holds for <paramref name="input"/>, otherwise what went wrong.</summary>
    public static string? Violation(FuzzTarget target, byte[] input, string scratch)
    {
        Exception? thrown = null;
        var run = Task.Run(() =>
        {
            try { target.Run(input, scratch); }
            catch (Exception e) { thrown = e; }
        });
        if (!run.Wait(Limit)) return $"no answer within {Limit.TotalSeconds} s (a hang)";
        return thrown switch
        {
            null => null,
            ApcException or Spectre.Console.Cli.CommandAppException when OneLine(thrown.Message) => null,
            ApcException or Spectre.Console.Cli.CommandAppException => $"refused, but not in one line: \"{thrown.Message}\"",
            _ => $"{thrown.GetType().Name}: {thrown.Message}\n{thrown.StackTrace}",
        };
    }

    static bool OneLine(string message) => message.Trim().Length > 0 && !message.Trim().Contains('\n');

    /// <summary>The corpus folder of a target in the source tree: inputs that once broke it, replayed by every test run.</summary>
    public static string CorpusFolder(string target) => Path.Combine(FuzzWorld.RepoRoot(), "tests", "Apc.Tests", "Fuzz", "corpus", target);

    /// <summary>Adds a failing input to the corpus, named by its SHA-256 (so the same input is kept once).</summary>
    public static string Keep(string target, byte[] input)
    {
        var folder = CorpusFolder(target);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, Convert.ToHexString(SHA256.HashData(input))[..16].ToLowerInvariant() + ".bin");
        File.WriteAllBytes(path, input);
        return path;
    }
}
