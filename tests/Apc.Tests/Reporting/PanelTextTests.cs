using Apc.Reporting;

namespace Apc.Tests.Reporting;

/// <summary>What a gallery panel says, decided from the map and the logit alone.</summary>
public class PanelTextTests
{
    [Fact]
    public void AZeroMapOfAClassTheModelDoesNotPredictSaysBoth()
    {
        var map = new float[16];
        var text = PanelText.For(map, MapScaler.Sequential(map), MapScaling.Sequential, -1.2f);
        Assert.Equal("all zero", text.ScaleLine);
        Assert.Equal("class not predicted: logit \u22121.2", text.LogitLine);
        Assert.Equal("all zero\nclass not predicted: logit \u22121.2", text.Notice);
    }

    [Fact]
    public void AZeroMapOfAPredictedClassSaysOnlyWhyItIsEmpty()
    {
        var map = new float[16];
        var text = PanelText.For(map, MapScaler.Symmetric(map), MapScaling.Symmetric, 2.5f);
        Assert.Equal("all zero", text.Notice);
        Assert.Equal("logit 2.5", text.LogitLine);
        float[] negative = [-1f, -2f, 0f];
        Assert.Equal("no positive values", PanelText.For(negative, MapScaler.Sequential(negative), MapScaling.Sequential, 1f).Notice);
        float[] constant = [3f, 3f, 3f];
        Assert.Equal("constant", PanelText.For(constant, MapScaler.MinMax(constant), MapScaling.MinMax, 1f).Notice);
    }

    [Fact]
    public void ASmallPositiveLogitIsNeverShownAsZero()
    {
        // A predicted class (logit > 0) with a logit that two decimals would round to 0: three significant digits.
        float[] map = [1f, 2f, 3f];
        Assert.Equal("logit 0.004", PanelText.For(map, MapScaler.Sequential(map), MapScaling.Sequential, 0.004f).LogitLine);
        Assert.Equal("class not predicted: logit \u22120.003", PanelText.For(map, MapScaler.Sequential(map), MapScaling.Sequential, -0.003f).LogitLine);
        Assert.Equal("logit 12.3", PanelText.For(map, MapScaler.Sequential(map), MapScaling.Sequential, 12.34f).LogitLine);
    }

    [Fact]
    public void AShownMapGivesItsClippingValueAndNoNotice()
    {
        // |v| sorted: 0 1 2 3 4; the 75th percentile is at rank 3: c = 3.
        float[] map = [1f, -2f, 0f, 4f, -3f];
        var text = PanelText.For(map, MapScaler.Symmetric(map, 75), MapScaling.Symmetric, 0.5f);
        Assert.Equal("c = 3", text.ScaleLine);
        Assert.Equal("logit 0.5", text.LogitLine);
        Assert.Null(text.Notice);

        // A shown map of an unpredicted class: the map is drawn, the caption says the class is not predicted.
        float[] allNegative = [-1f, -2f, -4f];
        var unpredicted = PanelText.For(allNegative, MapScaler.Symmetric(allNegative, 100), MapScaling.Symmetric, -0.004f);
        Assert.Null(unpredicted.Notice);
        Assert.Equal("c = 4, all \u2264 0", unpredicted.ScaleLine); // nothing above 0: no maximum marked
        Assert.Equal("class not predicted: logit \u22120.004", unpredicted.LogitLine);
    }
}
