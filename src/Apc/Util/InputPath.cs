using System.Runtime.InteropServices;

namespace Apc.Util;

/// <summary>Says what a path is before it is opened, so that a folder given for a file (or the reverse) is named as such
/// and a FIFO or device is refused instead of blocking a read forever.</summary>
public static class InputPath
{
    /// <summary>What is at a path: "missing", "file", "folder", "FIFO", "device", "socket" or "special file". One
    /// stat(2) call on Unix (links followed); elsewhere .NET's Directory.Exists and File.Exists.</summary>
    public static string Kind(string path)
    {
        if (string.IsNullOrEmpty(path)) return "missing";
        if (UnixKind(path) is { } kind) return kind;
        if (Directory.Exists(path)) return "folder";
        return File.Exists(path) ? "file" : "missing";
    }

    /// <summary>Throws an <see cref="ApcException"/> ("checkpoint 'x': is a folder, expected a checkpoint file.") unless
    /// <paramref name="path"/> is a regular file (or a link to one).</summary>
    /// <param name="what">How the message names the path: "checkpoint", "experiment config", "--image".</param>
    /// <param name="expected">What a file there should be: "a checkpoint file".</param>
    /// <param name="path">The path to check.</param>
    public static void RequireFile(string path, string what, string expected)
    {
        switch (Kind(path))
        {
            case "file": return;
            case "missing": throw new ApcException($"{what} '{path}': file not found.");
            case "folder": throw new ApcException($"{what} '{path}': is a folder, expected {expected}.");
            case var kind: throw new ApcException($"{what} '{path}': is a {kind}, not a regular file; expected {expected}.");
        }
    }

    /// <summary>Throws unless <paramref name="path"/> is a folder ("--data-root 'x': is a file, expected a folder.").</summary>
    public static void RequireFolder(string path, string what, string expected = "a folder")
    {
        switch (Kind(path))
        {
            case "folder": return;
            case "missing": throw new ApcException($"{what} '{path}': folder not found.");
            case "file": throw new ApcException($"{what} '{path}': is a file, expected {expected}.");
            case var kind: throw new ApcException($"{what} '{path}': is a {kind}, expected {expected}.");
        }
    }

    /// <summary>The file type bits of stat(2) through .NET's own native shim (libSystem.Native, whose FileStatus
    /// layout is .NET's, not the platform's: Mode is the second int32 on every architecture); "missing" when stat
    /// fails (no such path, or one that cannot be searched, as File.Exists would say). Null when unknown.</summary>
    static string? UnixKind(string path)
    {
        if (OperatingSystem.IsWindows()) return null;
        try
        {
            var buffer = new byte[256]; // FileStatus is about 120 bytes; room to spare
            if (SystemNativeStat(path, buffer) != 0) return "missing";
            int mode = BitConverter.ToInt32(buffer, 4);
            return (mode & 0xF000) switch
            {
                0x8000 => "file",
                0x4000 => "folder",
                0x1000 => "FIFO",
                0x2000 or 0x6000 => "device",
                0xC000 => "socket",
                _ => "special file",
            };
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat")]
    static extern int SystemNativeStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [Out] byte[] output);
}
