using static TorchSharp.torch;

namespace Apc.Training;

/// <summary>Turns --device text (cpu, cuda, cuda:1) into a TorchSharp device.</summary>
public static class DeviceParser
{
    /// <summary>"cpu", "cuda" or "cuda:N"; a CUDA device on a build without CUDA is a clear error.</summary>
    public static Device Parse(string text)
    {
        var t = (text ?? "cpu").Trim().ToLowerInvariant();
        if (t == "cpu") return CPU;
        if (t == "cuda" || t.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!cuda.is_available())
                throw new ApcException($"--device {text}: CUDA is not available in this TorchSharp build (TorchSharp-cpu); use --device cpu.");
            return device(t);
        }
        throw new UsageException($"--device '{text}': expected cpu, cuda or cuda:N.");
    }
}
