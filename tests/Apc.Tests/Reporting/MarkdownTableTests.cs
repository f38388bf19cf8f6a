using Apc.Reporting;

namespace Apc.Tests.Reporting;

public class MarkdownTableTests
{
    [Fact]
    public void PadsColumnsAndRightAlignsNumbers()
    {
        var text = MarkdownTable.Render(["method", "ratio", "pointing"],
            [["Grad-CAM", "0.25", "0.81 ± 0.02"], ["LRP", "1", "12%"]]);
        Assert.Equal(
            "| method   | ratio | pointing    |\n" +
            "| -------- | ----: | ----------: |\n" +
            "| Grad-CAM |  0.25 | 0.81 ± 0.02 |\n" +
            "| LRP      |     1 |         12% |\n", text);
    }

    [Fact]
    public void NumbersWithIntervalsUnitsOrPlaceholdersAreRightAligned()
    {
        // Intervals, pp, the typographic minus, pair counts "a / b" and n/a placeholders keep a column numeric.
        var text = MarkdownTable.Render(["model", "mAP %", "pairs", "note"],
            [["naive", "82.3 [80.1, 84.4]", "1205 / 1155", "x"], ["WCAM − naive", "−0.8 [−2.9, +1.3] pp", "n/a", "1"]]);
        Assert.Equal(
            "| model        | mAP %                | pairs       | note |\n" +
            "| ------------ | -------------------: | ----------: | ---- |\n" +
            "| naive        |    82.3 [80.1, 84.4] | 1205 / 1155 | x    |\n" +
            "| WCAM − naive | −0.8 [−2.9, +1.3] pp |         n/a | 1    |\n", text);
        // A column of placeholders only is not numeric.
        Assert.StartsWith("| a   |\n| --- |", MarkdownTable.Render(["a"], [["n/a"], ["—"]]));
    }

    [Fact]
    public void CellsCannotBreakTheTable()
    {
        var text = MarkdownTable.Render(["a|b", "c"], [["x\ny", "-"], ["", "z"]]);
        Assert.Equal(
            "| a\\|b | c   |\n" +
            "| ---- | --- |\n" +
            "| x y  | -   |\n" +
            "|      | z   |\n", text);
    }

    [Fact]
    public void RowsMustMatchTheHeaders()
    {
        Assert.Contains("row 0 has 3 cells but there are 2 headers",
            Assert.Throws<ArgumentException>(() => MarkdownTable.Render(["a", "b"], [["1", "2", "3"]])).Message);
        Assert.Contains("at least one column header",
            Assert.Throws<ArgumentException>(() => MarkdownTable.Render([], [])).Message);
    }
}
