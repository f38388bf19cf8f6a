using System.Text.Json;
using System.Text.Json.Nodes;

namespace Apc.Util;

/// <summary>Writes files so that readers see the old content or the new, never half of it: write a
/// temporary file in the same folder, then rename it over the target.</summary>
public static class AtomicFile
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(dir);
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw new ApcException($"cannot write '{path}': {e.Message}");
        }
    }

    public static void WriteAllText(string path, string text) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    public static void WriteJson(string path, JsonNode node) => WriteAllText(path, node.ToJsonString(Indented) + "\n");

    /// <summary>Fails early with a clear message when a folder cannot be created or written.</summary>
    public static void EnsureWritableFolder(string dir, string option = "--out")
    {
        try
        {
            Directory.CreateDirectory(dir);
            var probe = Path.Combine(dir, $".write-probe-{Guid.NewGuid():N}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ApcException($"{option} '{dir}': folder is not writable ({e.Message}).");
        }
    }
}
