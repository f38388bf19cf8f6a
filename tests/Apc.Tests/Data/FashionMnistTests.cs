using Apc.Data;

namespace Apc.Tests.Data;

public class FashionMnistTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LoadsTheFourFilesOfAFolder(bool gzip)
    {
        using var fixture = FashionFixture.Create(trainCount: 30, testCount: 20, gzip: gzip);

        var fm = FashionMnist.Load(fixture.Folder);

        Assert.Equal(30, fm.Train.Count);
        Assert.Equal(20, fm.Test.Count);
        Assert.Equal((28, 28), (fm.Train.Height, fm.Train.Width));
        Assert.Equal(FashionFixture.Image(7, FashionFixture.TrainIntensity), fm.Train.Image(7).ToArray());
        Assert.Equal(FashionFixture.Image(15, FashionFixture.TestSecondHalfIntensity), fm.Test.Image(15).ToArray());
        Assert.Equal(Enumerable.Range(0, 20).Select(FashionFixture.LabelOf), fm.Test.Labels);
    }

    [Fact]
    public void ClassNamesAreTheTenFashionMnistClassesInLabelOrder()
    {
        Assert.Equal(["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
            FashionMnist.ClassNames);
    }

    [Fact]
    public void AMissingDataRootFolderSaysWhatItMustHold()
    {
        string folder = Path.Combine(Path.GetTempPath(), "apc-no-such-folder-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<ApcException>(() => FashionMnist.Load(folder));
        Assert.Contains(folder, e.Message);
        // A folder given by name (--data-root): say what it must hold; "pass --data-root" would not help.
        Assert.Contains("--data-root must name the folder holding", e.Message);
        Assert.DoesNotContain("pass --data-root", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void AMissingFileIsNamedWithWhatTheFolderMustHold()
    {
        using var fixture = FashionFixture.Create(trainCount: 10, testCount: 10);
        File.Delete(fixture.PathOf(FashionMnist.TestLabelsName));
        var e = Assert.Throws<ApcException>(() => FashionMnist.Load(fixture.Folder));
        Assert.Contains(FashionMnist.TestLabelsName, e.Message);
        Assert.Contains("--data-root must name the folder holding", e.Message);
        Assert.DoesNotContain("pass --data-root", e.Message);
    }

    [Fact]
    public void DifferentImageAndLabelCountsAreAnError()
    {
        using var fixture = FashionFixture.Create(trainCount: 10, testCount: 10);
        string labels = fixture.PathOf(FashionMnist.TrainLabelsName);
        FashionFixture.WriteIdx(labels, [9], new byte[9], gzip: true);
        var e = Assert.Throws<ApcException>(() => FashionMnist.Load(fixture.Folder));
        Assert.Contains(labels, e.Message);
        Assert.Contains("10 images", e.Message);
        Assert.Contains("9 labels", e.Message);
    }

    [Fact]
    public void LabelOutsideTheTenClassesIsAnError()
    {
        using var fixture = FashionFixture.Create(trainCount: 10, testCount: 10);
        string labels = fixture.PathOf(FashionMnist.TestLabelsName);
        FashionFixture.WriteIdx(labels, [10], [0, 1, 2, 3, 4, 5, 6, 7, 8, 10], gzip: true);
        var e = Assert.Throws<ApcException>(() => FashionMnist.Load(fixture.Folder));
        Assert.Contains(labels, e.Message);
        Assert.Contains("label 10", e.Message);
    }

    /// <summary>The one test that reads the real files (Debian's dataset-fashion-mnist, installed by ./test).</summary>
    [Fact]
    public void RealFilesHoldTheStandardSplits()
    {
        var fm = FashionMnist.Load();
        Assert.Equal(60000, fm.Train.Count);
        Assert.Equal(10000, fm.Test.Count);
        Assert.Equal((28, 28), (fm.Train.Height, fm.Train.Width));
        // Fashion-MNIST is balanced: 6,000 training and 1,000 test images per class.
        Assert.All(fm.Train.Labels.CountBy(l => l), c => Assert.Equal(6000, c.Value));
        Assert.All(fm.Test.Labels.CountBy(l => l), c => Assert.Equal(1000, c.Value));
    }
}
