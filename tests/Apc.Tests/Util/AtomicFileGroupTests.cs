using Apc.Util;

namespace Apc.Tests.Util;

/// <summary><see cref="AtomicFile.WriteGroup"/>: all the files or, on a failure before the renames, none, and no
/// temporary file left behind.</summary>
public class AtomicFileGroupTests
{
    static string[] Entries(string dir) => Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Order().ToArray()!;

    [Fact]
    public void AllFilesAppearAndTheHookRunsBeforeTheRenames()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("a.txt"), "old");
        bool sawOld = false;
        AtomicFile.WriteGroup(new[] { (dir.File("a.txt"), "new a"u8.ToArray()), (dir.File("b.txt"), "b"u8.ToArray()) },
            () => sawOld = File.ReadAllText(dir.File("a.txt")) == "old" && !File.Exists(dir.File("b.txt")));
        Assert.True(sawOld);
        Assert.Equal("new a", File.ReadAllText(dir.File("a.txt")));
        Assert.Equal("b", File.ReadAllText(dir.File("b.txt")));
        Assert.Equal(new[] { "a.txt", "b.txt" }, Entries(dir.Path));
    }

    [Fact]
    public void AFileThatCannotBeWrittenChangesNothing()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("a.txt"), "old");
        Directory.CreateDirectory(dir.File("c.txt")); // a folder where the second file should go
        bool ran = false;
        var e = Assert.Throws<ApcException>(() => AtomicFile.WriteGroup(
            new[] { (dir.File("a.txt"), "new"u8.ToArray()), (dir.File("c.txt"), "c"u8.ToArray()) }, () => ran = true));
        Assert.Contains("c.txt", e.Message);
        Assert.False(ran);
        Assert.Equal("old", File.ReadAllText(dir.File("a.txt")));
        Assert.Equal(new[] { "a.txt", "c.txt" }, Entries(dir.Path)); // no temporary file left
    }

    [Fact]
    public void AFailingHookChangesNothing()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("a.txt"), "old");
        Assert.Throws<ApcException>(() => AtomicFile.WriteGroup(new[] { (dir.File("a.txt"), "new"u8.ToArray()), (dir.File("b.txt"), "b"u8.ToArray()) },
            () => throw new ApcException("refused")));
        Assert.Equal("old", File.ReadAllText(dir.File("a.txt")));
        Assert.Equal(new[] { "a.txt" }, Entries(dir.Path));
    }
}
