using Apc.Models;
using Apc.Reporting;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Reporting;

public class AttributionGalleryTests
{
    /// <summary>A small VGG for <see cref="TinyDataset"/> whose every logit is pushed to <paramref name="bias"/>.</summary>
    private static ClassifierNet Model(float bias)
    {
        var model = ModelFactory.Create(new ModelConfig(ArchSpec.Parse("vgg11-bn:w=1/8"), 1, 4, 32));
        using (no_grad())
        {
            var last = model.modules().OfType<TorchSharp.Modules.Linear>().Last();
            last.weight!.mul_(1e-4); // logits within 1e-3 of the bias
            last.bias!.fill_(bias);
        }
        model.eval();
        return model;
    }

    [Fact]
    public void APanelForAClassTheModelDoesNotPredictSaysSo()
    {
        var data = new TinyDataset(3, seed: 1);
        using var negative = Model(-1.2f);
        using var positive = Model(2f);
        var (grid, cells) = AttributionGallery.Build(
            [("negative", negative), ("positive", positive), ("missing", null)], data, [0], ["gradcam", "lrp"]);

        Assert.True(grid.Length > 0);
        Assert.Equal(6, cells.Count);
        foreach (var cell in cells.Where(c => c.Column == "negative"))
            Assert.Contains("class not predicted: logit \u22121.2", cell.Text);
        foreach (var cell in cells.Where(c => c.Column == "positive"))
        {
            Assert.DoesNotContain("not predicted", cell.Text);
            Assert.Contains("logit 2", cell.Text);
        }
        Assert.All(cells.Where(c => c.Column == "missing"), c => Assert.Contains("no map", c.Text));
        // A shown map gives its clipping value; an empty one says why instead.
        Assert.All(cells.Where(c => c.Column != "missing"), c => Assert.True(c.Text.Contains("c = ") || c.Text.Contains("all zero"), c.Text));
        // Each line says something once ("no map", and an empty map's reason and logit line, were written twice).
        Assert.All(cells, c => Assert.Equal(c.Text.Split('\n').Length, c.Text.Split('\n').Distinct().Count()));
    }
}
