using Apc.Util;

namespace Apc.Tests.Util;

public class InputPathTests
{
    /// <summary>Kind answers from one stat(2) call; on every ordinary path it must say what .NET's own
    /// Directory.Exists and File.Exists say, links to files and folders followed.</summary>
    [Fact]
    public void KindAgreesWithDotNetOnFilesFoldersLinksAndMissingPaths()
    {
        using var dir = new TempFolder();
        var file = dir.File("a.ckpt");
        File.WriteAllBytes(file, [1, 2, 3]);
        var folder = dir.File("sub");
        Directory.CreateDirectory(folder);
        var paths = new List<string> { file, folder, dir.File("missing.ckpt"), Path.Combine(file, "under-a-file"), Path.Combine(dir.File("missing"), "x") };
        if (!OperatingSystem.IsWindows())
        {
            File.CreateSymbolicLink(dir.File("link-to-file"), file);
            Directory.CreateSymbolicLink(dir.File("link-to-folder"), folder);
            paths.AddRange([dir.File("link-to-file"), dir.File("link-to-folder")]);
            // A link whose target is gone: File.Exists says true (it looks at the link), Kind says missing (it
            // follows the link, as opening it would), so the message is "file not found", not a failed read.
            File.CreateSymbolicLink(dir.File("dangling"), dir.File("gone"));
            Assert.Equal("missing", InputPath.Kind(dir.File("dangling")));
        }
        foreach (var path in paths)
        {
            var expected = Directory.Exists(path) ? "folder" : File.Exists(path) ? "file" : "missing";
            Assert.True(expected == InputPath.Kind(path), $"{path}: expected {expected}, got {InputPath.Kind(path)}");
        }
        Assert.Equal("missing", InputPath.Kind(""));
    }
}
