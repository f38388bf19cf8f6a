using static TorchSharp.torch;

namespace Apc.Training;

/// <summary>Turns --device text (cpu, cuda, cuda:1) into a TorchSharp device.</summary>
public static class DeviceParser
{
    /// <summary>"cpu", "cuda" or "cuda:N"; a CUDA device on a build without CUDA is a clear error.</summary>
    public static Device Parse(string text)
    {
        var t = CheckSyntax(text);
        if (t == "cpu") return CPU;
        if (!cuda.is_available())
            throw new ApcException($"--device {text}: CUDA is not available in this TorchSharp build (TorchSharp-cpu); use --device cpu.");
        return device(t);
    }

    /// <summary>Checks the spelling alone (no device is looked for): "cpu", "cuda" or "cuda:N" with N a whole number;
    /// returns it lower-cased and trimmed (null means "cpu"). Throws a <see cref="UsageException"/> otherwise.</summary>
    public static string CheckSyntax(string? text)
    {
        var t = (text ?? "cpu").Trim().ToLowerInvariant();
        if (t is "cpu" or "cuda") return t;
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && t.Length > 5 && t[5..].All(char.IsAsciiDigit)) return t;
        throw new UsageException($"--device '{text}': expected cpu, cuda or cuda:N.");
    }
}
