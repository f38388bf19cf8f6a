using Apc.Util;

namespace Apc.Tests.Util;

public class WritableFolderTests
{
    [Fact]
    public void AnOutFolderUnderAFileNamesTheFileInTheWay()
    {
        using var dir = new TempFolder();
        var file = dir.File("notes.txt");
        File.WriteAllText(file, "x");
        var target = Path.Combine(file, "sub", "deeper");
        var error = Assert.Throws<ApcException>(() => AtomicFile.EnsureWritableFolder(target));
        Assert.Equal($"--out '{target}': cannot be made: '{file}' is a file, not a folder.", error.Message);
        Assert.False(Directory.Exists(target));
        // The file itself given as the folder is named as such, under the option given.
        error = Assert.Throws<ApcException>(() => AtomicFile.EnsureWritableFolder(file, "--save-maps"));
        Assert.Equal($"--save-maps '{file}': is a file, expected a folder.", error.Message);
    }

    [Fact]
    public void AWritableFolderIsMadeAndLeftEmpty()
    {
        using var dir = new TempFolder();
        var target = Path.Combine(dir.Path, "a", "b");
        AtomicFile.EnsureWritableFolder(target);
        Assert.True(Directory.Exists(target));
        Assert.Empty(Directory.EnumerateFileSystemEntries(target)); // the write probe is removed
    }
}
