using Apc.Reporting;

namespace Apc.Tests.Reporting;

public class ColormapTests
{
    public static TheoryData<string> Maps => new() { "viridis", "inferno" };

    private static Colormap ByName(string name) => name == "viridis" ? Colormap.Viridis : Colormap.Inferno;

    /// <summary>WCAG relative luminance of an sRGB colour.</summary>
    private static double Luminance((byte R, byte G, byte B) c)
    {
        static double Linear(byte v)
        {
            double s = v / 255.0;
            return s <= 0.04045 ? s / 12.92 : Math.Pow((s + 0.055) / 1.055, 2.4);
        }
        return 0.2126 * Linear(c.R) + 0.7152 * Linear(c.G) + 0.0722 * Linear(c.B);
    }

    [Fact]
    public void EndpointsAreTheFirstAndLastAnchors()
    {
        Assert.Equal(((byte)0x44, (byte)0x01, (byte)0x54), Colormap.Viridis.Map(0f));
        Assert.Equal(((byte)0xFD, (byte)0xE7, (byte)0x25), Colormap.Viridis.Map(1f));
        Assert.Equal(((byte)0x00, (byte)0x00, (byte)0x04), Colormap.Inferno.Map(0f));
        Assert.Equal(((byte)0xFC, (byte)0xFF, (byte)0xA4), Colormap.Inferno.Map(1f));
    }

    [Fact]
    public void MidpointBetweenTwoAnchorsIsTheirRoundedMean()
    {
        var map = new Colormap("two", [0x000000, 0xFF6401]);
        Assert.Equal(((byte)128, (byte)50, (byte)0), map.Map(0.5f)); // 127.5 rounds to even (128), 0.5 to 0
        Assert.Equal(((byte)64, (byte)25, (byte)0), map.Map(0.25f));
    }

    [Theory]
    [MemberData(nameof(Maps))]
    public void LuminanceRisesMonotonically(string name)
    {
        var map = ByName(name);
        // 256 levels, like an 8-bit ramp. Finer steps can see a drop of one byte unit: where red falls while green
        // rises (viridis' blue-violet start), red may round down a step before green rounds up.
        const int steps = 256;
        var luminance = Enumerable.Range(0, steps + 1).Select(i => Luminance(map.Map(i / (float)steps))).ToArray();
        for (int i = 1; i <= steps; i++)
            Assert.True(luminance[i] >= luminance[i - 1], $"{name}: luminance falls between {(i - 1) / (double)steps} and {i / (double)steps}");
        // Strictly rising at a coarser step, where byte rounding cannot hide the trend.
        for (int i = 4; i <= steps; i += 4)
            Assert.True(luminance[i] > luminance[i - 4], $"{name}: luminance flat around {i / (double)steps}");
    }

    [Theory]
    [MemberData(nameof(Maps))]
    public void OutOfRangeValuesClampAndNaNCountsAsZero(string name)
    {
        var map = ByName(name);
        Assert.Equal(map.Map(0f), map.Map(-3f));
        Assert.Equal(map.Map(0f), map.Map(float.NaN));
        Assert.Equal(map.Map(0f), map.Map(float.NegativeInfinity));
        Assert.Equal(map.Map(1f), map.Map(7f));
        Assert.Equal(map.Map(1f), map.Map(float.PositiveInfinity));
    }

    [Fact]
    public void WholeMapEqualsValueByValue()
    {
        float[] values = [0f, 0.1f, 0.33f, 0.5f, 0.99f, 1f, -1f, float.NaN];
        var rgb = Colormap.Viridis.Map(values);
        Assert.Equal(3 * values.Length, rgb.Length);
        for (int i = 0; i < values.Length; i++)
            Assert.Equal(Colormap.Viridis.Map(values[i]), (rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]));
    }

    [Fact]
    public void NeedsTwoAnchors()
    {
        var error = Assert.Throws<ArgumentException>(() => new Colormap("one", [0x123456]));
        Assert.Contains("at least two", error.Message);
    }
}
