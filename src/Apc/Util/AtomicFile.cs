using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;

namespace Apc.Util;

/// <summary>Writes files so that readers see the old content or the new, never half of it: write a
/// temporary file in the same folder, then rename it over the target.</summary>
public static class AtomicFile
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The names of this class's (and <see cref="Checkpoints.CheckpointFile"/>'s) temporary files: ".NAME.GUID.tmp"
    /// and ".write-probe-GUID". A process killed between create and rename leaves one behind.</summary>
    static readonly Regex TempName = new(@"^(\..+\.[0-9a-f]{32}\.tmp|\.write-probe-[0-9a-f]{32})$", RegexOptions.CultureInvariant);

    /// <summary>Temp files younger than this may belong to a writer still at work, so they are left alone.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(1);

    /// <summary>The temporary name for writing <paramref name="full"/> atomically.</summary>
    public static string TempPathFor(string full) =>
        Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");

    /// <summary>Removes temp files of our own naming left in <paramref name="dir"/> by a killed writer (older than
    /// <see cref="StaleAfter"/>). Best effort: a file that cannot be removed stays.</summary>
    public static void RemoveStaleTempFiles(string dir)
    {
        try
        {
            var cutoff = DateTime.UtcNow - StaleAfter;
            foreach (var file in Directory.EnumerateFiles(dir, ".*"))
            {
                if (!TempName.IsMatch(Path.GetFileName(file))) continue;
                try { if (File.GetLastWriteTimeUtc(file) < cutoff) File.Delete(file); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically (a temporary file, then a rename).</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        var tmp = TempPathFor(full);
        try
        {
            if (File.Exists(dir)) throw new ApcException($"cannot write '{path}': '{dir}' is a file, expected a folder.");
            Directory.CreateDirectory(dir);
            WriteTemp(tmp, bytes);
            if (Directory.Exists(full)) throw new ApcException($"cannot write '{path}': is a folder, expected a file.");
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ApcException)
        {
            DeleteQuietly(tmp);
            if (e is ApcException) throw;
            throw new ApcException($"cannot write '{path}': {e.Message}");
        }
        RemoveStaleTempFiles(dir);
    }

    /// <summary>Writes several files so that a failure while writing them (a full disk, a folder that turned read-only)
    /// changes nothing: every file is written to its temporary name first; only when all are written does
    /// <paramref name="beforeRenames"/> run (e.g. removing an earlier run's outputs), and then each is renamed into place
    /// in the order given (so the last one, e.g. a listing, appears last). A failure before the renames removes the
    /// temporary files and leaves the folder as it was.</summary>
    /// <param name="files">Paths and contents, in the order they are renamed into place.</param>
    /// <param name="beforeRenames">Runs once every file is written, before the first rename; may be null.</param>
    /// <exception cref="ApcException">A file cannot be written or renamed, or <paramref name="beforeRenames"/> failed.</exception>
    public static void WriteGroup(IReadOnlyList<(string Path, byte[] Bytes)> files, Action? beforeRenames)
    {
        var written = new List<(string Temp, string Full, string Path)>();
        try
        {
            foreach (var (path, bytes) in files)
            {
                var full = Path.GetFullPath(path);
                if (Directory.Exists(full)) throw new ApcException($"cannot write '{path}': is a folder, expected a file.");
                var tmp = TempPathFor(full);
                written.Add((tmp, full, path));
                try { WriteTemp(tmp, bytes); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new ApcException($"cannot write '{path}': {e.Message}"); }
            }
            beforeRenames?.Invoke();
        }
        catch
        {
            foreach (var (tmp, _, _) in written) DeleteQuietly(tmp);
            throw;
        }
        for (int i = 0; i < written.Count; i++)
        {
            try { File.Move(written[i].Temp, written[i].Full, overwrite: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                foreach (var (tmp, _, _) in written.Skip(i)) DeleteQuietly(tmp);
                throw new ApcException($"cannot write '{written[i].Path}': {e.Message}");
            }
        }
    }

    /// <summary>Removes a temporary file if it can; one left behind is removed later by <see cref="RemoveStaleTempFiles"/>.</summary>
    static void DeleteQuietly(string tmp)
    {
        try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Writes a new temporary file and flushes it to disk (the first half of an atomic write).</summary>
    static void WriteTemp(string tmp, ReadOnlySpan<byte> bytes)
    {
        using var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>The bytes <see cref="WriteJson"/> writes for <paramref name="node"/>: indented UTF-8 JSON and a newline.</summary>
    public static byte[] JsonBytes(JsonNode node) => System.Text.Encoding.UTF8.GetBytes(node.ToJsonString(Indented) + "\n");

    /// <summary>Writes UTF-8 <paramref name="text"/> atomically.</summary>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Writes <paramref name="node"/> as indented JSON atomically.</summary>
    public static void WriteJson(string path, JsonNode node) => WriteAllBytes(path, JsonBytes(node));

    /// <summary>Fails early with a clear message when a folder cannot be created or written.</summary>
    public static void EnsureWritableFolder(string dir, string option = "--out")
    {
        if (string.IsNullOrWhiteSpace(dir)) throw new UsageException($"{option}: give a folder (got an empty path).");
        if (File.Exists(dir)) throw new ApcException($"{option} '{dir}': is a file, expected a folder.");
        try
        {
            Directory.CreateDirectory(dir);
            var probe = Path.Combine(dir, $".write-probe-{Guid.NewGuid():N}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
            RemoveStaleTempFiles(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ApcException($"{option} '{dir}': {WhyNotWritable(dir, e)}.");
        }
    }

    /// <summary>Why a folder could not be made or written, in the user's terms: a file where a parent folder should
    /// be, no permission, or (for anything else) .NET's own words.</summary>
    static string WhyNotWritable(string dir, Exception e)
    {
        for (var parent = Path.GetDirectoryName(Path.GetFullPath(dir)); !string.IsNullOrEmpty(parent); parent = Path.GetDirectoryName(parent))
        {
            if (Directory.Exists(parent)) break;
            if (File.Exists(parent)) return $"cannot be made: '{parent}' is a file, not a folder";
        }
        return e is UnauthorizedAccessException
            ? "folder is not writable (permission denied)"
            : $"folder cannot be made or written ({e.Message.TrimEnd('.')})";
    }
}
