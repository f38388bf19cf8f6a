using System.Text.Json;
using Apc.Util;

namespace Apc.Tests.Util;

public class JsonErrorsTests
{
    /// <summary>The place is counted as an editor counts it: line 3 is the third line, column 3 its third byte.</summary>
    [Fact]
    public void APlaceIsCountedFromOneAsInAnEditor()
    {
        const string text = "{\n  \"a\": 1,\n  \"b\" 2\n}\n"; // line 3: the ':' after "b" is missing; '2' is its 7th byte
        var e = Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(text));
        Assert.Equal(2, e.LineNumber);
        var described = JsonErrors.Describe(e);
        Assert.EndsWith(", at line 3, column 7", described);
        Assert.DoesNotContain("LineNumber", described);
        Assert.DoesNotContain("Path:", described);
    }

    [Fact]
    public void AnErrorWithoutAPlaceKeepsItsReason()
    {
        Assert.Equal("bad value", JsonErrors.Describe(new JsonException("bad value.")));
    }
}
