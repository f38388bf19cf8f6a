using System.Diagnostics;
using Apc.Util;
using CsCheck;

namespace Apc.Tests.Robustness;

/// <summary>A stored command line (checkpoint provenance) must paste back as the same arguments (issue 8 §5).</summary>
public class CommandLineTests
{
    static readonly string[] Awkward = ["", " ", "a b", "it's", "\"q\"", "$HOME", "`x`", "a\\b", "*", "~", "--lr-steps", "x\ty", "é ü", "!", "a;b", "#c"];

    [Fact]
    public void BashSplitsAFormattedLineIntoTheSameArguments()
    {
        // bash is the independent implementation: printf prints each word it received, NUL-terminated.
        var args = Awkward.Concat(Enumerable.Range(0, 30).Select(i => string.Concat(Awkward.Skip(i % Awkward.Length).Take(3)))).ToArray();
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("printf '%s\\0' " + CommandLine.Format(args));
        using var bash = Process.Start(info)!;
        var output = bash.StandardOutput.ReadToEnd();
        bash.WaitForExit();
        Assert.Equal(0, bash.ExitCode);
        Assert.Equal(args, output.Split('\0')[..^1]);
    }

    [Fact]
    public void SplitInvertsFormatForAnyArguments()
    {
        Gen.String.Where(s => !s.Contains('\0')).Array[0, 8].Sample(args =>
            Assert.Equal(args, CommandLine.Split(CommandLine.Format(args)).ToArray()), seed: "0N0XIzNsQ0O2", iter: 2000, threads: 1);
    }

    [Fact]
    public void PlainArgumentsAreNotQuotedAndAnUnterminatedQuoteIsRefused()
    {
        Assert.Equal("apc train --out runs/t --lr 0.01", CommandLine.Format(["apc", "train", "--out", "runs/t", "--lr", "0.01"]));
        Assert.Equal("'' 'a b' 'it'\\''s'", CommandLine.Format(["", "a b", "it's"]));
        var e = Assert.Throws<ApcException>(() => CommandLine.Split("apc 'open"));
        Assert.Contains("unterminated single quote", e.Message);
    }
}
