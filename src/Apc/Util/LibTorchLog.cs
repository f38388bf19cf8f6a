using System.Runtime.InteropServices;

namespace Apc.Util;

/// <summary>
/// Sets the level from which libtorch's own C++ log lines (c10 logging, printed to stderr as "[W1201 14:26:27 …]")
/// are shown.
/// <para>
/// On CPUs that PyTorch's CPU detection does not recognise (the AMD EPYC guests this project runs on), every training
/// command printed "Could not initialize NNPACK! Reason: Unsupported hardware." a dozen times or more: libtorch retries
/// NNPACK at each eligible convolution and warns each time, although it then uses its other convolution code, with the
/// same results. libtorch reads <c>TORCH_CPP_LOG_LEVEL</c> only when a host calls <c>c10::initLogging</c>, which
/// TorchSharp does not, so setting the variable had no effect.
/// </para>
/// <para>
/// <see cref="Apply"/> writes the level into libtorch's <c>FLAGS_caffe2_log_level</c>: the level <c>TORCH_CPP_LOG_LEVEL</c>
/// names (INFO, WARNING, ERROR, FATAL or 0–3), or ERROR when it is unset. So <c>TORCH_CPP_LOG_LEVEL=WARNING apc …</c>
/// shows libtorch's warnings again.
/// </para>
/// </summary>
public static class LibTorchLog
{
    /// <summary>The environment variable that chooses the level, as in PyTorch.</summary>
    public const string Variable = "TORCH_CPP_LOG_LEVEL";

    /// <summary>c10's level of a <c>TORCH_CPP_LOG_LEVEL</c> value: INFO 0, WARNING 1, ERROR 2, FATAL 3 (names in any case,
    /// or the digit); ERROR (2) for an unset value; null for a value that is neither.</summary>
    public static int? Level(string? value) => value?.Trim().ToUpperInvariant() switch
    {
        null or "" => 2,
        "INFO" or "0" => 0,
        "WARNING" or "1" => 1,
        "ERROR" or "2" => 2,
        "FATAL" or "3" => 3,
        _ => null,
    };

    /// <summary>The level now in effect in the loaded libtorch, or null when its flag cannot be found.</summary>
    public static int? Current => Flag() is { } flag ? Marshal.ReadInt32(flag) : null;

    /// <summary>Loads libtorch (if not yet loaded) and sets its log level from <see cref="Variable"/>. Does nothing when
    /// libtorch's logging flag is not found (another libtorch build) or the variable holds an unknown value (libtorch's
    /// default, WARNING, then stays). Returns whether the level was set.</summary>
    public static bool Apply()
    {
        if (Level(Environment.GetEnvironmentVariable(Variable)) is not { } level) return false;
        if (Flag() is not { } flag) return false;
        Marshal.WriteInt32(flag, level);
        return true;
    }

    /// <summary>The one line to print when <see cref="Variable"/> holds a value <see cref="Level"/> does not know, so that
    /// libtorch's default applies; null otherwise.</summary>
    public static string? UnknownValueMessage() =>
        Environment.GetEnvironmentVariable(Variable) is { } value && Level(value) is null
            ? $"apc: {Variable}='{value}' is not INFO, WARNING, ERROR or FATAL (or 0-3); libtorch's default, WARNING, applies."
            : null;

    /// <summary>The address of <c>FLAGS_caffe2_log_level</c> in the libc10 that this process loaded for TorchSharp.</summary>
    static IntPtr? Flag()
    {
        _ = TorchSharp.torch.get_num_threads(); // loads the native libraries, libc10 among them
        if (LoadedLibrary("libc10.so") is not { } path) return null;
        var handle = NativeLibrary.Load(path); // the library already loaded: the same handle, one more reference
        return NativeLibrary.TryGetExport(handle, "FLAGS_caffe2_log_level", out var address) ? address : null;
    }

    /// <summary>The path of a shared library this process has mapped, from /proc/self/maps; null when none (or not Linux).</summary>
    static string? LoadedLibrary(string fileName)
    {
        if (!OperatingSystem.IsLinux()) return null;
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            int slash = line.IndexOf('/');
            if (slash >= 0 && Path.GetFileName(line[slash..]) == fileName) return line[slash..];
        }
        return null;
    }
}
