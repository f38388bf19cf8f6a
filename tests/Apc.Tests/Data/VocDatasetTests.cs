using Apc.Data;
using static Apc.Tests.Data.TensorCompare;
using static TorchSharp.torch;

namespace Apc.Tests.Data;

public sealed class VocDatasetTests : IDisposable
{
    private readonly VocFixture _voc = VocFixture.Create();

    public void Dispose() => _voc.Dispose();

    [Fact]
    public void LabelsAreMultiHotOverEveryObjectNameInTheAnnotation()
    {
        var train = new VocDataset(_voc.Root, VocSplit.Train);
        Assert.Equal(VocFixture.TrainImages.Select(i => i.Id), train.ImageIds);
        Assert.Equal(20, train.ClassNames.Count);
        Assert.Equal("aeroplane", train.ClassNames[0]);
        Assert.Equal("tvmonitor", train.ClassNames[19]);
        Assert.False(train.HasMasks);

        using var scope = NewDisposeScope();
        using var batch = train.GetBatch([0, 1], augment: false);
        Assert.Null(batch.Masks);
        var labels = batch.Labels.data<float>().ToArray();
        for (int j = 0; j < 2; j++)
        {
            var expected = VocFixture.TrainImages[j].ClassIndices;   // Planes: aeroplane twice counts once
            Assert.Equal(expected, train.GetLabels(j));
            for (int k = 0; k < 20; k++) Assert.Equal(expected.Contains(k) ? 1f : 0f, labels[j * 20 + k]);
        }
    }

    [Fact]
    public void EachSplitReadsItsOwnListAndOnlySegValHasMasks()
    {
        var val = new VocDataset(_voc.Root, VocSplit.Val);
        var segVal = new VocDataset(_voc.Root, VocSplit.SegVal);
        Assert.Equal(VocFixture.ValImages.Select(i => i.Id), val.ImageIds);
        Assert.Equal(VocFixture.SegValImages.Select(i => i.Id), segVal.ImageIds);
        Assert.False(val.HasMasks);
        Assert.True(segVal.HasMasks);
        Assert.EndsWith("/seg-val", segVal.Name);
        // Object parts (<part><name>head</name>) inside a person are not labels.
        Assert.Equal(VocFixture.DogAndPerson.ClassIndices, val.GetLabels(0));
        Assert.Single(new VocDataset(_voc.Root, VocSplit.Val, limit: 1).ImageIds);
    }

    [Fact]
    public void PaletteColoursMapBackToClassMasksAndVoidBelongsToNoClass()
    {
        // At the image's own size no resizing happens, so the masks must equal the indices the fixture wrote.
        var image = VocFixture.DogAndPerson;
        var segVal = new VocDataset(_voc.Root, VocSplit.SegVal, imageSize: image.Width);
        using var scope = NewDisposeScope();
        using var batch = segVal.GetBatch([0], augment: false);
        var masks = batch.Masks!.data<float>().ToArray();
        var indices = image.MaskIndices();

        Assert.Contains((byte)255, indices);
        for (int p = 0; p < indices.Length; p++)
            for (int k = 0; k < 20; k++)
                Assert.Equal(indices[p] == k + 1 ? 1f : 0f, masks[k * indices.Length + p]);
    }

    [Fact]
    public void MasksAreResizedByNearestNeighbourAndImagesBilinearlyToImageSize()
    {
        var image = VocFixture.Planes;   // 48x36
        const int size = 24;
        var segVal = new VocDataset(_voc.Root, VocSplit.SegVal, imageSize: size);
        using var scope = NewDisposeScope();
        using var batch = segVal.GetBatch([1, 0], augment: false);
        Assert.Equal(new long[] { 2, 3, size, size }, batch.Images.shape);
        Assert.Equal(new long[] { 2, 20, size, size }, batch.Masks!.shape);
        Assert.Equal(new ImageShape(3, size, size), segVal.Shape);

        // Nearest neighbour at pixel centres: output o samples source floor((o + 0.5) * in / out).
        var indices = image.MaskIndices();
        var masks = batch.Masks[0].data<float>().ToArray();
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                int sx = (int)Math.Floor((x + 0.5) * image.Width / size), sy = (int)Math.Floor((y + 0.5) * image.Height / size);
                int value = indices[sy * image.Width + sx];
                for (int k = 0; k < 20; k++)
                    Assert.Equal(value == k + 1 ? 1f : 0f, masks[(k * size + y) * size + x]);
            }
    }

    [Fact]
    public void BatchImagesAreTheNormalisedDisplayImages()
    {
        var val = new VocDataset(_voc.Root, VocSplit.Val, imageSize: 32);
        using var scope = NewDisposeScope();
        using var batch = val.GetBatch([1, 0], augment: false);
        var n = val.Normalization;
        var mean = tensor(n.Mean).view(1, 3, 1, 1);
        var std = tensor(n.Std).view(1, 3, 1, 1);
        var pixels = (batch.Images * std + mean).mul(255f).data<float>().ToArray();
        for (int j = 0; j < 2; j++)
        {
            var display = val.GetDisplayImage(new[] { 1, 0 }[j]);
            Assert.Equal(3 * 32 * 32, display.Length);
            for (int p = 0; p < display.Length; p++) Assert.Equal(display[p], pixels[j * display.Length + p], 0.51f);
        }
    }

    [Fact]
    public void DisplayImageKeepsChannelsInRgbOrder()
    {
        var image = VocFixture.DogAndPerson;
        var val = new VocDataset(_voc.Root, VocSplit.Val, imageSize: image.Width);
        var display = val.GetDisplayImage(0);
        int plane = image.Width * image.Height;
        int inDog = 18 * image.Width + 12, outside = 2 * image.Width + 2;
        var c = VocFixture.ObjectColour;
        var bg = VocFixture.Background;
        // JPEG is lossy; flat regions stay within a few levels.
        Assert.InRange(display[inDog], c.Red - 8, c.Red + 8);
        Assert.InRange(display[plane + inDog], c.Green - 8, c.Green + 8);
        Assert.InRange(display[2 * plane + inDog], c.Blue - 8, c.Blue + 8);
        Assert.InRange(display[outside], bg.Red - 8, bg.Red + 8);
    }

    [Fact]
    public void GreyMasksAreReadAsIndices()
    {
        var image = VocFixture.DogAndPerson;
        var palette = new VocDataset(_voc.Root, VocSplit.SegVal, imageSize: 40);
        using var scope = NewDisposeScope();
        using var fromPalette = palette.GetBatch([0], augment: false);
        VocFixture.WriteGreyPng(_voc.MaskPath(image.Id), image.Width, image.Height, image.MaskIndices());
        using var fromGrey = palette.GetBatch([0], augment: false);
        Assert.True(Same(fromPalette.Masks!, fromGrey.Masks!));
    }

    [Fact]
    public void AugmentationCropsAndFlipsImageAndMasksTogether()
    {
        // Objects are bright rectangles drawn exactly where the masks mark them, so after any crop and flip the
        // image must still be bright inside the class masks and dark outside them.
        var segVal = new VocDataset(_voc.Root, VocSplit.SegVal, imageSize: 32);
        var n = segVal.Normalization;
        using var scope = NewDisposeScope();
        using var plain = segVal.GetBatch([0, 1], augment: false);
        int changed = 0;
        for (int seed = 0; seed < 6; seed++)
        {
            using var batch = segVal.GetBatch([0, 1], augment: true, new Random(seed));
            using var again = segVal.GetBatch([0, 1], augment: true, new Random(seed));
            Assert.True(Same(batch.Images, again.Images) && Same(batch.Masks!, again.Masks!));
            Assert.True(Same(batch.Labels, plain.Labels));
            if (!Same(batch.Images, plain.Images)) changed++;

            var red = batch.Images.select(1, 0).mul(n.Std[0]).add(n.Mean[0]);    // [B,H,W] in [0,1]
            var anyClass = batch.Masks!.amax([1]);                                // [B,H,W]
            float inside = red.masked_select(anyClass.eq(1)).mean().item<float>();
            float outside = red.masked_select(anyClass.eq(0)).mean().item<float>();
            if (anyClass.sum().item<float>() > 0) Assert.True(inside > 0.75f, $"seed {seed}: mean red inside masks {inside}");
            Assert.True(outside < 0.35f, $"seed {seed}: mean red outside masks {outside}");
        }
        Assert.True(changed > 0);
    }

    [Fact]
    public void WithoutMasksTheSameAugmentationIsApplied()
    {
        var segVal = new VocDataset(_voc.Root, VocSplit.SegVal, imageSize: 32);
        using var scope = NewDisposeScope();
        using var full = segVal.GetBatch([0, 1], augment: true, new Random(5));
        using var lean = segVal.GetBatch([0, 1], augment: true, new Random(5), withMasks: false);
        Assert.Null(lean.Masks);
        Assert.True(Same(full.Images, lean.Images));
    }

    public static TheoryData<string> ConstructionFaults => ["malformed-xml", "unknown-class", "nameless-object", "missing-list", "missing-jpeg", "missing-annotation"];

    [Theory]
    [MemberData(nameof(ConstructionFaults))]
    public void BrokenFolderFailsAtConstructionNamingTheFile(string fault)
    {
        var id = VocFixture.DogAndPerson.Id;
        string file = fault switch
        {
            "missing-list" => Path.Combine(_voc.Root, "ImageSets", "Segmentation", "val.txt"),
            "missing-jpeg" => _voc.ImagePath(id),
            _ => _voc.AnnotationPath(id),
        };
        switch (fault)
        {
            case "malformed-xml": File.WriteAllText(file, "<annotation><object><name>dog</name></object>"); break;
            case "unknown-class": File.WriteAllText(file, "<annotation><object><name>unicorn</name></object></annotation>"); break;
            case "nameless-object": File.WriteAllText(file, "<annotation><object><pose>Left</pose></object></annotation>"); break;
            default: File.Delete(file); break;
        }
        var e = Assert.Throws<ApcException>(() => new VocDataset(_voc.Root, VocSplit.SegVal));
        Assert.Contains(file, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        if (fault == "unknown-class") Assert.Contains("unicorn", e.Message);
    }

    public static TheoryData<string> DecodeFaults => ["garbage-png", "truncated-png", "garbage-jpeg", "truncated-jpeg", "unknown-colour", "grey-out-of-range", "mask-size"];

    [Theory]
    [MemberData(nameof(DecodeFaults))]
    public void DamagedImageOrMaskFailsAtLoadingNamingTheFile(string fault)
    {
        var image = VocFixture.DogAndPerson;
        bool inJpeg = fault.Contains("jpeg");
        string file = inJpeg ? _voc.ImagePath(image.Id) : _voc.MaskPath(image.Id);
        var segVal = new VocDataset(_voc.Root, VocSplit.SegVal);
        var bytes = File.ReadAllBytes(file);
        switch (fault)
        {
            case "garbage-png" or "garbage-jpeg": File.WriteAllBytes(file, [.. bytes[..8], .. Enumerable.Repeat((byte)0x5A, 200)]); break;
            case "truncated-png" or "truncated-jpeg": File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]); break;
            case "unknown-colour": VocFixture.WriteSolidRgbPng(file, image.Width, image.Height, 1, 2, 3); break;
            case "grey-out-of-range": VocFixture.WriteGreyPng(file, image.Width, image.Height, Enumerable.Repeat((byte)21, image.Width * image.Height).ToArray()); break;
            case "mask-size": VocFixture.WritePalettePng(file, 8, 8, new byte[64]); break;
        }
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ApcException>(() => segVal.GetBatch([1, 0], augment: false));
        Assert.Contains(file, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        if (fault == "unknown-colour") Assert.Contains("(1,2,3)", e.Message);
    }

    [Fact]
    public void VocColourMapMatchesTheWellKnownColours()
    {
        // Published VOC colours: background black, aeroplane (128,0,0), person (192,128,128), tvmonitor (0,64,128), void (224,224,192).
        Assert.Equal(((byte)0, (byte)0, (byte)0), VocFixture.VocColour(0));
        Assert.Equal(((byte)128, (byte)0, (byte)0), VocFixture.VocColour(1));
        Assert.Equal(((byte)192, (byte)128, (byte)128), VocFixture.VocColour(15));
        Assert.Equal(((byte)0, (byte)64, (byte)128), VocFixture.VocColour(20));
        Assert.Equal(((byte)224, (byte)224, (byte)192), VocFixture.VocColour(255));
    }
}
