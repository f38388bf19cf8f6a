using Apc.Tests.Attribution;
using Apc.Data;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Data;

/// <summary>One picture reaches the network identically however it enters (issue 8 §4): from a data set, or as an
/// image file (what <c>apc explain --image</c> reads, through <see cref="ImageFileDataset.ForModel"/>).</summary>
public class PreprocessingTests
{
    const int Size = 32;

    [Fact]
    public void AVocJpegGivenAsAnImageFileIsTheTensorAndLogitsTheDataSetGives()
    {
        using var voc = VocFixture.Create();
        var data = new VocDataset(voc.Root, VocSplit.Val, imageSize: Size);
        using var model = TestNets.Build(TestNets.Vgg);
        for (int i = 0; i < data.Count; i++)
        {
            using var scope = NewDisposeScope();
            using var fromSet = data.GetBatch([i], augment: false);
            var file = new ImageFileDataset(data.ImagePath(data.ImageIds[i]), 3, Size, data.Normalization, data.ClassNames);
            using var fromFile = file.GetBatch([0], augment: false);
            // Same decoder, same resize, same normalisation: bit-identical, so the logits are too.
            TensorAssert.Same(fromSet.Images, fromFile.Images, $"image {i}");
            TensorAssert.Same(Logits(model, fromSet.Images), Logits(model, fromFile.Images), $"logits of image {i}");
            Assert.Equal(data.GetDisplayImage(i), file.GetDisplayImage(0));
        }
    }

    [Fact]
    public void AFashionSceneWrittenAsPngAndReadBackIsTheSameTensorAndLogits()
    {
        using var fixture = FashionFixture.Create(trainCount: 200, testCount: 100);
        var scenes = new FashionScenesDataset(FashionMnist.Load(fixture.Folder), SplitKind.Val, 6, seed: 3,
            new FashionScenesOptions { Canvas = Size });
        using var model = ModelFactory.Create(new ModelConfig(ArchSpec.Parse(TestNets.Vgg), 1, scenes.ClassNames.Count, Size));
        model.eval();
        using var dir = new TempFolder();
        for (int i = 0; i < scenes.Count; i++)
        {
            using var scope = NewDisposeScope();
            var grey = scenes.GetDisplayImage(i);
            // Both ways a grey picture is saved: grey PNG, and RGB PNG with R = G = B.
            VocFixture.WriteGreyPng(dir.File($"grey{i}.png"), Size, Size, grey);
            VocFixture.WriteRgbPng(dir.File($"rgb{i}.png"), Size, Size, grey.SelectMany(v => new[] { v, v, v }).ToArray());
            using var fromSet = scenes.GetBatch([i], augment: false);
            foreach (var name in new[] { $"grey{i}.png", $"rgb{i}.png" })
            {
                var file = new ImageFileDataset(dir.File(name), 1, Size, scenes.Normalization, scenes.ClassNames);
                using var fromFile = file.GetBatch([0], augment: false);
                TensorAssert.Same(fromSet.Images, fromFile.Images, name);
                TensorAssert.Same(Logits(model, fromSet.Images), Logits(model, fromFile.Images), $"logits of {name}");
                Assert.Equal(grey, file.GetDisplayImage(0));
            }
        }
    }

    [Fact]
    public void AVocSampleSavedAsPngComesBackWithinPngRounding()
    {
        using var voc = VocFixture.Create();
        var data = new VocDataset(voc.Root, VocSplit.Val, imageSize: Size);
        using var dir = new TempFolder();
        for (int i = 0; i < data.Count; i++)
        {
            using var scope = NewDisposeScope();
            var planar = data.GetDisplayImage(i);   // [3,S,S], rounded to bytes: all that a PNG keeps
            int pixels = Size * Size;
            var rgb = new byte[3 * pixels];
            for (int p = 0; p < pixels; p++)
                for (int c = 0; c < 3; c++) rgb[3 * p + c] = planar[c * pixels + p];
            VocFixture.WriteRgbPng(dir.File($"s{i}.png"), Size, Size, rgb);
            using var fromSet = data.GetBatch([i], augment: false);
            using var fromFile = new ImageFileDataset(dir.File($"s{i}.png"), 3, Size, data.Normalization, data.ClassNames).GetBatch([0], augment: false);
            // Rounding to bytes moves a pixel by at most 0.5/255 before normalisation, 0.5/(255 std) after it;
            // 1e-6 covers float rounding of the subtraction and division.
            var bound = tensor(data.Normalization.Std).view(1, 3, 1, 1).reciprocal().mul(0.5 / 255).add(1e-6);
            var gap = (fromSet.Images - fromFile.Images).abs();
            Assert.True(gap.le(bound).all().item<bool>(), $"image {i}: largest gap {gap.max().item<float>()}");
            Assert.Equal(planar, new ImageFileDataset(dir.File($"s{i}.png"), 3, Size, data.Normalization, data.ClassNames).GetDisplayImage(0));
        }
    }

    [Fact]
    public void ResizingIsBilinearWithHalfPixelCentresAndAPictureAtSizeIsUnchanged()
    {
        using var scope = NewDisposeScope();
        // Upscaling 2 → 4 pixels with half-pixel centres: output o samples at (o + 0.5)/2 − 0.5, clamped at the
        // border: 0.25 → weights of the two sources, worked out by hand.
        var row = tensor(new float[] { 0.2f, 0.6f }).view(1, 1, 2).expand(1, 2, 2).contiguous();
        var up = ImagePreprocessing.Resize(row, 4)[0, 0].data<float>().ToArray();
        Assert.Equal(new[] { 0.2f, 0.3f, 0.5f, 0.6f }, up.Select(v => MathF.Round(v, 6)).ToArray());
        var same = rand(3, 5, 5);
        TensorAssert.Same(same, ImagePreprocessing.Resize(same, 5));
        // Normalisation is (x − mean)/std per channel.
        var x = tensor(new float[] { 0.5f, 0.25f }).view(2, 1, 1);
        var n = ImagePreprocessing.Normalize(x, new Normalization([0.1f, 0.25f], [0.2f, 0.5f])).data<float>().ToArray();
        Assert.Equal((0.5f - 0.1f) / 0.2f, n[0]);
        Assert.Equal(0f, n[1]);
    }

    static Tensor Logits(ClassifierNet model, Tensor images)
    {
        using var _ = no_grad();
        return model.call(images);
    }
}
