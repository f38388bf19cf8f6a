using System.Text.RegularExpressions;

namespace Apc.Tests.Docs;

/// <summary>The docs cannot drift from the code they describe: docs/extending.md's examples are the tested example
/// files, character for character, and every "method.md §N" cited in the sources or docs names a heading of
/// docs/method.md.</summary>
public partial class DocsTests
{
    static string Root([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    [GeneratedRegex(@"<!-- example: (?<file>\S+) -->\s*```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex DocExample();

    [GeneratedRegex(@"// example: [\w-]+\n(?<code>.*?)// end example\n", RegexOptions.Singleline)]
    private static partial Regex FileExample();

    [GeneratedRegex(@"method\.md §(?<section>\d+(?:\.\d+)?)")]
    private static partial Regex Citation();

    [GeneratedRegex(@"^#{2,3} (?<section>\d+(?:\.\d+)?)\.? ", RegexOptions.Multiline)]
    private static partial Regex NumberedHeading();

    /// <summary>Every example block of docs/extending.md is preceded by the test file it comes from, and equals that
    /// file's region between "// example:" and "// end example"; every example file is shown.</summary>
    [Fact]
    public void ExtendingExamplesAreTheTestedCode()
    {
        var root = Root();
        var doc = File.ReadAllText(Path.Combine(root, "docs", "extending.md"));
        var shown = DocExample().Matches(doc).ToList();
        Assert.Equal(4, shown.Count);
        foreach (Match m in shown)
        {
            var file = m.Groups["file"].Value;
            var source = File.ReadAllText(Path.Combine(root, file)).ReplaceLineEndings("\n");
            var region = FileExample().Match(source);
            Assert.True(region.Success, $"{file} has no '// example:' ... '// end example' region");
            Assert.Equal(region.Groups["code"].Value, m.Groups["code"].Value);
        }
        var files = Directory.GetFiles(Path.Combine(root, "tests", "Apc.Tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => FileExample().IsMatch(File.ReadAllText(f).ReplaceLineEndings("\n")))
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order();
        Assert.Equal(files, shown.Select(m => m.Groups["file"].Value).Order());
    }

    /// <summary>Each "method.md §N" or "§N.M" cited in src/, tests/ and docs/ is a numbered heading of docs/method.md.</summary>
    [Fact]
    public void EveryMethodCitationNamesASection()
    {
        var root = Root();
        var headings = NumberedHeading().Matches(File.ReadAllText(Path.Combine(root, "docs", "method.md")))
            .Select(m => m.Groups["section"].Value).ToHashSet();
        Assert.Contains("2.2", headings);
        var files = new[] { "src", "tests", "docs" }
            .SelectMany(d => Directory.GetFiles(Path.Combine(root, d), "*.*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".md", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"));
        int citations = 0;
        foreach (var file in files)
            foreach (Match m in Citation().Matches(File.ReadAllText(file)))
            {
                citations++;
                Assert.True(headings.Contains(m.Groups["section"].Value),
                    $"{Path.GetRelativePath(root, file)} cites method.md §{m.Groups["section"].Value}, which docs/method.md does not have");
            }
        Assert.True(citations > 40, $"only {citations} citations found; is the search looking in the right place?");
    }
}
