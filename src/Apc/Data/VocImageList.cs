namespace Apc.Data;

/// <summary>Reads a VOC image list (ImageSets/Main/train.txt and the like): one image id per line. An id may
/// contain spaces; a line of the per-class lists' form "ID  -1|0|1" gives ID when the whole line names no
/// annotation but ID does.</summary>
public static class VocImageList
{
    /// <summary>The ids in list order (at most <paramref name="limit"/>). <paramref name="annotations"/> is the
    /// Annotations folder, used only to tell an id that ends in " 1" from a per-class list line. An id must be a
    /// plain file name (no folder separators, no "..", no control characters). Problems are
    /// <see cref="ApcException"/>s naming the file and the line.</summary>
    public static string[] Read(string path, string annotations, int? limit = null)
    {
        Util.InputPath.RequireFile(path, "VOC list file", "a text file of image ids");
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ApcException($"VOC list file '{path}' cannot be read: {e.Message}", e);
        }
        var ids = new List<string>(lines.Length);
        for (int n = 0; n < lines.Length && (limit is not int max || ids.Count < max); n++)
        {
            var id = lines[n].Trim();
            if (id.Length == 0) continue;
            if (PerClassLine(id) is { } prefix && !File.Exists(Path.Combine(annotations, id + ".xml"))
                && File.Exists(Path.Combine(annotations, prefix + ".xml")))
                id = prefix;
            if (id.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || id.Contains("..") || id.Any(char.IsControl))
                throw new ApcException($"VOC list file '{path}' line {n + 1} holds '{Printable(id)}', which is not an image id (a file name without folder).");
            ids.Add(id);
        }
        if (ids.Count == 0)
            throw new ApcException($"VOC list file '{path}' lists no images.");
        return ids.ToArray();
    }

    /// <summary>"ID  -1", "ID 0" or "ID 1" → ID; otherwise null.</summary>
    private static string? PerClassLine(string line)
    {
        int cut = line.LastIndexOfAny([' ', '\t']);
        if (cut <= 0) return null;
        return line[(cut + 1)..] is "-1" or "0" or "1" ? line[..cut].TrimEnd() : null;
    }

    private static string Printable(string text) =>
        string.Concat(text.Take(80).Select(c => char.IsControl(c) ? '?' : c)) + (text.Length > 80 ? "…" : "");
}
