using Apc.Cli.Terminal;

namespace Apc.Tests.Cli;

public class TrimmedLinesWriterTests
{
    static string Through(Action<TextWriter> write)
    {
        var inner = new StringWriter();
        using (var writer = new TrimmedLinesWriter(inner)) write(writer);
        return inner.ToString();
    }

    [Fact]
    public void TrailingSpacesOfEveryLineAreDroppedAndNothingElse()
    {
        Assert.Equal("a  b\n\n  c\n", Through(w => w.Write("a  b   \n   \n  c \n")));
        // Written one character at a time, the result is the same.
        Assert.Equal("a  b\n\n  c\n", Through(w => { foreach (var ch in "a  b   \n   \n  c \n") w.Write(ch); }));
    }

    [Fact]
    public void ACarriageReturnBeforeTheNewlineIsKept()
    {
        Assert.Equal("x\r\ny\r\n", Through(w => w.Write("x  \r\ny\r\n")));
    }

    [Fact]
    public void APartialLastLineIsPassedOnWhenTheWriterIsFlushed()
    {
        var inner = new StringWriter();
        var writer = new TrimmedLinesWriter(inner);
        writer.Write("one\ntwo  ");
        Assert.Equal("one\n", inner.ToString());
        writer.Flush();
        Assert.Equal("one\ntwo", inner.ToString());
    }
}
