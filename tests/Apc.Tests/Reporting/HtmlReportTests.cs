using System.Text.RegularExpressions;
using Apc.Reporting;
using SkiaSharp;

namespace Apc.Tests.Reporting;

public class HtmlReportTests
{
    private static byte[] TinyPng(SKColor color)
    {
        using var bitmap = new SKBitmap(3, 2);
        bitmap.Erase(color);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    private static HtmlReport Sample(byte[] first, byte[] second) =>
        new HtmlReport("Results <draft> & notes")
            .Heading("Overlays")
            .Paragraph("One <b>paragraph</b>.\n\nAnother.")
            .Image(first, "teacher \"Grad-CAM\"")
            .Image(second, "student")
            .Table(["method", "pointing"], [["Grad-CAM", "0.81"], ["LRP", "0.74 ± 0.01"]], new HashSet<(int, int)> { (0, 1) }, "Table 1")
            .RawJson("raw", "{\"script\": \"</pre><script>alert(1)</script>\"}");

    [Fact]
    public void PageIsOneSelfContainedDocument()
    {
        byte[] red = TinyPng(SKColors.Red), blue = TinyPng(SKColors.Blue);
        var html = Sample(red, blue).ToHtml();

        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Single(Regex.Matches(html, "<html[ >]"));
        Assert.Single(Regex.Matches(html, "</html>"));
        Assert.Single(Regex.Matches(html, "<body>"));
        Assert.DoesNotMatch("https?://", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("href=", html);

        // Every src is a PNG data URI, and decodes back to the bytes that were added, in order.
        var sources = Regex.Matches(html, "src=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, sources.Count);
        Assert.All(sources, src => Assert.StartsWith("data:image/png;base64,", src));
        Assert.Equal(red, Convert.FromBase64String(sources[0]["data:image/png;base64,".Length..]));
        Assert.Equal(blue, Convert.FromBase64String(sources[1]["data:image/png;base64,".Length..]));
    }

    [Fact]
    public void TextIsEscapedAndTablesMarkNumbersAndHighlights()
    {
        var html = Sample(TinyPng(SKColors.Red), TinyPng(SKColors.Blue)).ToHtml();
        Assert.Contains("<title>Results &lt;draft&gt; &amp; notes</title>", html);
        Assert.Contains("<p>One &lt;b&gt;paragraph&lt;/b&gt;.</p>\n<p>Another.</p>", html);
        Assert.Contains("alt=\"teacher &quot;Grad-CAM&quot;\"", html);
        Assert.Contains("&lt;/pre&gt;&lt;script&gt;", html);
        Assert.Contains("<td class=\"num hi\">0.81</td>", html);
        Assert.Contains("<td class=\"num\">", html);
        Assert.Contains("<td>LRP</td>", html);
        Assert.Contains("<details><summary>raw</summary>", html);
        Assert.Equal(4, Regex.Matches(html, "<td").Count);
    }

    [Fact]
    public void JsonNodesAreShownIndentedAndEscaped()
    {
        var html = new HtmlReport("r").RawJson("raw", System.Text.Json.Nodes.JsonNode.Parse("{\"a\":[1,2],\"b\":\"<i>\"}")).ToHtml();
        Assert.Contains("<pre>{\n  &quot;a&quot;: [\n    1,\n    2\n  ],\n  &quot;b&quot;: &quot;\\u003Ci\\u003E&quot;\n}</pre>", html);
    }

    [Fact]
    public void SaveWritesThePageAndLeavesNoTemporaryFile()
    {
        using var folder = new TempFolder();
        var report = Sample(TinyPng(SKColors.Red), TinyPng(SKColors.Blue));
        var path = folder.File("report.html");
        report.Save(path);
        Assert.Equal(report.ToHtml(), File.ReadAllText(path));
        Assert.Equal(["report.html"], Directory.GetFiles(folder.Path).Select(Path.GetFileName));
        Assert.Equal(2, report.ImageCount);
    }

    [Fact]
    public void BadInputIsAClearError()
    {
        var report = new HtmlReport("r");
        Assert.Contains("'x' is not a PNG", Assert.Throws<ArgumentException>(() => report.Image([1, 2, 3], "x")).Message);
        Assert.Contains("row 1 has 1 cells but there are 2 headers",
            Assert.Throws<ArgumentException>(() => report.Table(["a", "b"], [["1", "2"], ["3"]])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => report.Heading("h", 1));
        Assert.Equal(0, report.ImageCount);
        Assert.DoesNotContain("<table>", report.ToHtml()); // a rejected table adds nothing
    }
}
