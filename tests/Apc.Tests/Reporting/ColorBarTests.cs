using Apc.Attribution;
using Apc.Reporting;
using SkiaSharp;

namespace Apc.Tests.Reporting;

public class ColorBarTests
{
    [Fact]
    public void EndValuesAreTheClippingValue()
    {
        Assert.Equal(["\u22120.0123", "0", "+0.0123"], ColorBar.Labels(MapScaling.Symmetric, 0.0123));
        Assert.Equal(["0", "2.5"], ColorBar.Labels(MapScaling.Sequential, 2.5));
        Assert.Equal(["\u2212c", "0", "+c"], ColorBar.Labels(MapScaling.Symmetric));
        Assert.Equal(["0", "c"], ColorBar.Labels(MapScaling.Sequential));
        Assert.Equal("9.75e\u22124", ColorBar.Format(0.000975));
        Assert.Equal("\u22121.2", ColorBar.Format(-1.2));
        Assert.Equal("1.23e4", ColorBar.Format(12345));
    }

    [Fact]
    public void TheStripRunsFromTheLowEndAtTheBottomToTheHighEndAtTheTop()
    {
        var style = HeatmapStyle.For(MapKind.PixelSigned) with { BuiltInFont = true };
        using var bar = ColorBar.Render(style, 100, clip: 0.5, caption: "scale");
        Assert.True(bar.Height > 100); // caption strip under the 100-pixel bar
        int x = ColorBar.StripWidth / 2, red = -1, blue = -1, white = -1;
        for (int y = 0; y < 100; y++)
        {
            var c = bar.GetPixel(x, y);
            if (c == new SKColor(255, 0, 0) && red < 0) red = y;
            if (c == new SKColor(0, 0, 255)) blue = y;
            if (c.Red > 250 && c.Green > 250 && c.Blue > 250 && red >= 0 && white < 0) white = y;
        }
        Assert.True(red >= 0 && blue > red && white > red && white < blue, $"red at {red}, white at {white}, blue at {blue}");

        var sequential = HeatmapStyle.For(MapKind.Coarse) with { BuiltInFont = true };
        using var viridis = ColorBar.Render(sequential, 100, clip: 3);
        var yellow = Colormap.Viridis.Map(1f);
        Assert.Contains(Enumerable.Range(0, 100), y => viridis.GetPixel(x, y) == new SKColor(yellow.R, yellow.G, yellow.B));
    }
}
