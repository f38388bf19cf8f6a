using Apc.Data;

namespace Apc.Tests.Data;

public class DatasetFactoryTests(FashionSource source) : IClassFixture<FashionSource>
{
    [Theory]
    [InlineData("mnist")]
    [InlineData("voc:")]
    [InlineData("")]
    public void UnknownDataSetIsAUsageErrorListingTheValidForms(string spec)
    {
        var e = Assert.Throws<UsageException>(() => DatasetFactory.Open(new DataOptions { Dataset = spec }));
        Assert.Contains("fashion-scenes", e.Message);
        Assert.Contains("voc:", e.Message);
    }

    [Fact]
    public void NonPositiveSizeIsAUsageError()
    {
        var e = Assert.Throws<UsageException>(() => DatasetFactory.Open(new DataOptions { DataRoot = source.Fixture.Folder, ValSize = 0 }));
        Assert.Contains("val size", e.Message);
    }

    [Fact]
    public void FashionScenesFromADataRootWithSizesSeedAndImageSize()
    {
        var options = new DataOptions { DataRoot = source.Fixture.Folder, TrainSize = 12, ValSize = 7, TestSize = 5, ImageSize = 32, Seed = 6 };
        var splits = DatasetFactory.Open(options);

        Assert.Equal((12, 7, 5), (splits.Train.Count, splits.Val.Count, splits.Test!.Count));
        Assert.All([splits.Train, splits.Val, splits.Test], d => Assert.Equal(new ImageShape(1, 32, 32), d.Shape));
        Assert.All([splits.Train, splits.Val, splits.Test], d => Assert.True(d.HasMasks));
        var direct = new FashionScenesDataset(source.Mnist, SplitKind.Train, 12, seed: 6, new FashionScenesOptions { Canvas = 32 });
        Assert.Equal(direct.GetDisplayImage(11), splits.Train.GetDisplayImage(11));
        Assert.Equal("fashion-scenes/val", splits.Val.Name);
    }

    [Fact]
    public void AMissingDataRootFolderIsNamedWithWhatItMustHold()
    {
        string folder = Path.Combine(source.Fixture.Folder, "absent");
        var e = Assert.Throws<ApcException>(() => DatasetFactory.Open(new DataOptions { DataRoot = folder }));
        Assert.Contains(folder, e.Message);
        // The folder was given (--data-root), so "pass --data-root" would not help; what it must hold does.
        Assert.Contains("--data-root must name the folder holding", e.Message);
        Assert.DoesNotContain("pass --data-root", e.Message);
    }

    [Fact]
    public void DefaultsGiveTheStandardFashionScenesSplits()
    {
        var splits = DatasetFactory.Open(new DataOptions());   // real Fashion-MNIST files
        Assert.Equal((8000, 1000, 1000), (splits.Train.Count, splits.Val.Count, splits.Test!.Count));
        Assert.Equal(new ImageShape(1, 64, 64), splits.Train.Shape);
        Assert.Equal(FashionMnist.ClassNames, splits.Train.ClassNames);
    }

    [Fact]
    public void VocFolderOpensMainListsForTrainingAndSegmentationValForTest()
    {
        using var voc = VocFixture.Create();
        // The folder above VOC2012 is accepted too, as the official archive nests it.
        foreach (var root in new[] { voc.Root, Path.GetDirectoryName(voc.Root)! })
        {
            var splits = DatasetFactory.Open(new DataOptions { Dataset = "voc:" + root, ValSize = 1 });
            Assert.Equal(2, splits.Train.Count);
            Assert.Equal(1, splits.Val.Count);
            Assert.NotNull(splits.Test);
            Assert.True(splits.Test.HasMasks);
            Assert.Equal(2, splits.Test.Count);
            Assert.Equal(new ImageShape(3, 227, 227), splits.Train.Shape);
        }
        File.Delete(Path.Combine(voc.Root, "ImageSets", "Segmentation", "val.txt"));
        Assert.Null(DatasetFactory.Open(new DataOptions { Dataset = "voc:" + voc.Root }).Test);
    }

    [Fact]
    public void VocFolderWithoutImagesIsNamed()
    {
        using var voc = VocFixture.Create();
        string empty = Path.Combine(voc.Root, "Annotations");
        var e = Assert.Throws<ApcException>(() => DatasetFactory.Open(new DataOptions { Dataset = "voc:" + empty }));
        Assert.Contains(empty, e.Message);
    }
}
