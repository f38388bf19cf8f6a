using System.Security.Cryptography;
using Apc.Checkpoints;
using Apc.Cli.Experiments;

namespace Apc.Tests.Cli;

/// <summary>The teacher the demo starts from is the committed file, recognised by content, and it is what it says.</summary>
public class ShippedTeacherTests
{
    [Fact]
    public void TheShippedTeacherIsTheCommittedFileAndLoads()
    {
        var path = ShippedTeacher.Verified();
        Assert.Equal(ShippedTeacher.Sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
        using var teacher = ModelCheckpoint.Load(path);
        Assert.Equal(ShippedTeacher.Arch, teacher.Model.Arch.ToString());
        Assert.Equal(64, teacher.Info.ImageSize);
        Assert.Equal(Apc.Data.FashionMnist.ClassNames, teacher.Info.ClassNames);
        // The read-out layer is 8×8 and the matching layer directly after it 4×4 at 64 px (the reference's 14×14 → 7×7).
        using var x = TorchSharp.torch.zeros(1, 1, 64, 64);
        teacher.Model.eval();
        var shapes = new Dictionary<string, long[]>();
        using (var y = teacher.Model.Forward(x, (name, output) => { shapes[name] = output.shape[2..]; return output; })) { }
        Assert.Equal("relu5_3", teacher.Model.Nodes.OfType<Apc.Models.LayerNode>().Single(n => n.Name == teacher.Model.DefaultAttributionLayer).Alias);
        Assert.Equal("pool5", teacher.Model.Nodes.OfType<Apc.Models.LayerNode>().Single(n => n.Name == teacher.Model.DefaultMatchingLayer).Alias);
        Assert.Equal(new long[] { 8, 8 }, shapes[teacher.Model.DefaultAttributionLayer]);
        Assert.Equal(new long[] { 4, 4 }, shapes[teacher.Model.DefaultMatchingLayer]);
    }

    [Fact]
    public void AChangedCopyIsRefusedWithTheRemedy()
    {
        using var dir = new TempFolder();
        var copy = dir.File(ShippedTeacher.FileName);
        var bytes = File.ReadAllBytes(ShippedTeacher.Verified());
        bytes[bytes.Length / 2] ^= 1;
        File.WriteAllBytes(copy, bytes);
        var e = Assert.Throws<ApcException>(() => ShippedTeacher.Verified(copy));
        Assert.Contains("not the committed one", e.Message);
        Assert.Contains("--retrain-teacher", e.Message);
        Assert.Contains("missing", Assert.Throws<ApcException>(() => ShippedTeacher.Verified(dir.File("absent.ckpt"))).Message);
    }

    /// <summary>Run from a build inside the repository, the tool names the repository's models/ file (the one a user
    /// knows), not its copy in the build folder; outside a repository it falls back to the copy.</summary>
    [Fact]
    public void TheTeacherIsNamedByItsRepositoryPath()
    {
        var path = ShippedTeacher.Path;
        Assert.Equal("models", Path.GetFileName(Path.GetDirectoryName(path)));
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(path))!, "Apc.sln")), path);
        Assert.DoesNotContain($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", path);

        using var dir = new TempFolder();
        var nested = Directory.CreateDirectory(dir.File("src/Tool/bin")).FullName;
        Assert.Null(ShippedTeacher.InRepository(nested)); // no Apc.sln above: the build folder's copy is used
        File.WriteAllText(dir.File("Apc.sln"), "");
        Assert.Null(ShippedTeacher.InRepository(nested)); // a repository without the file
        Directory.CreateDirectory(dir.File("models"));
        File.WriteAllText(dir.File(Path.Combine("models", ShippedTeacher.FileName)), "");
        Assert.Equal(Path.GetFullPath(dir.File(Path.Combine("models", ShippedTeacher.FileName))), ShippedTeacher.InRepository(nested));
    }
}
