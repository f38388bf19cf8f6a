using System.Text.RegularExpressions;

namespace Apc.Tests.Docs;

/// <summary>The docs cannot drift from the code they describe: their C# examples are the tested example files'
/// regions, character for character, and every "method.md §N" cited in the sources or docs names a heading of
/// docs/method.md.</summary>
public partial class DocsTests
{
    static string Root([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    [GeneratedRegex(@"<!-- example: (?<file>\S+) -->\s*```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex DocExample();

    [GeneratedRegex(@"// example: [\w-]+\n(?<code>.*?)[ ]*// end example\n", RegexOptions.Singleline)]
    private static partial Regex FileExample();

    // "method.md §3", also broken across lines ("method.md\n    /// §3") and lists ("method.md §2.2, §3.1", "§2.2–2.4").
    [GeneratedRegex(@"method\.md[\s/]*§(?<section>\d+(?:\.\d+)?)(?:\s*(?:,|–|-|and)\s*§?(?<section>\d+(?:\.\d+)?))*")]
    private static partial Regex Citation();

    // Inside method.md a bare "§N" refers to its own sections.
    [GeneratedRegex(@"§(?<section>\d+(?:\.\d+)?)(?:\s*(?:,|–|-|and)\s*§?(?<section>\d+(?:\.\d+)?))*")]
    private static partial Regex SelfCitation();

    [GeneratedRegex(@"^#{2,3} (?<section>\d+(?:\.\d+)?)\.? ", RegexOptions.Multiline)]
    private static partial Regex NumberedHeading();

    /// <summary>Every C# block of the docs (docs/*.md: extending.md's four extension points, compression.md's library
    /// tour) is preceded by the test file it comes from, and equals that file's region between "// example:" and
    /// "// end example" (its common indentation removed); every example file is shown. The tests in those files run the
    /// regions, so the pages show code that compiles and runs.</summary>
    [Fact]
    public void DocExamplesAreTheTestedCode()
    {
        var root = Root();
        var shown = new List<(string Page, string File)>();
        foreach (var page in Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Append(Path.Combine(root, "README.md")))
        {
            var doc = File.ReadAllText(page).ReplaceLineEndings("\n");
            var blocks = DocExample().Matches(doc).ToList();
            // No C# block without its tested source.
            Assert.True(Regex.Matches(doc, "```(csharp|cs|c#)\n").Count == blocks.Count,
                $"{Path.GetFileName(page)} has a C# block without a '<!-- example: FILE -->' line before it");
            foreach (Match m in blocks)
            {
                var file = m.Groups["file"].Value;
                var source = File.ReadAllText(Path.Combine(root, file)).ReplaceLineEndings("\n");
                var region = FileExample().Match(source);
                Assert.True(region.Success, $"{file} has no '// example:' ... '// end example' region");
                Assert.Equal(Dedent(region.Groups["code"].Value), m.Groups["code"].Value);
                shown.Add((Path.GetFileName(page), file));
            }
        }
        Assert.Equal(4, shown.Count(s => s.Page == "extending.md"));
        Assert.Contains(shown, s => s.Page == "compression.md");
        var files = Directory.GetFiles(Path.Combine(root, "tests", "Apc.Tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => FileExample().IsMatch(File.ReadAllText(f).ReplaceLineEndings("\n")))
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).Order();
        Assert.Equal(files, shown.Select(s => s.File).Order());
    }

    /// <summary><paramref name="code"/> with the indentation its non-blank lines share removed.</summary>
    static string Dedent(string code)
    {
        var lines = code.Split('\n');
        int indent = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart(' ').Length).DefaultIfEmpty(0).Min();
        return string.Join('\n', lines.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart(' ')));
    }

    /// <summary>Each "method.md §N" or "§N.M" cited anywhere in the repository's sources, scripts and docs (README.md,
    /// src/, tests/, bench/, build/, scripts/, docs/; .cs, .md, .sh, .json), including a citation broken across lines and
    /// every section of a list, and each bare "§N" inside method.md itself, is a numbered heading of docs/method.md.</summary>
    [Fact]
    public void EveryMethodCitationNamesASection()
    {
        var root = Root();
        var methodPath = Path.Combine(root, "docs", "method.md");
        var method = File.ReadAllText(methodPath);
        var headings = NumberedHeading().Matches(method).Select(m => m.Groups["section"].Value).ToHashSet();
        Assert.Contains("2.2", headings);
        var files = new[] { "src", "tests", "docs", "bench", "build", "scripts" }
            .Where(d => Directory.Exists(Path.Combine(root, d)))
            .SelectMany(d => Directory.GetFiles(Path.Combine(root, d), "*.*", SearchOption.AllDirectories))
            .Append(Path.Combine(root, "README.md"))
            .Where(f => new[] { ".cs", ".md", ".sh", ".json" }.Contains(Path.GetExtension(f), StringComparer.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"));
        int citations = 0;
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var found = (file == methodPath ? SelfCitation() : Citation()).Matches(text);
            foreach (Match m in found)
                foreach (Capture section in m.Groups["section"].Captures)
                {
                    citations++;
                    Assert.True(headings.Contains(section.Value),
                        $"{Path.GetRelativePath(root, file)} cites method.md §{section.Value}, which docs/method.md does not have");
                }
        }
        Assert.True(citations > 40, $"only {citations} citations found; is the search looking in the right place?");
    }

    /// <summary>The citation pattern finds what the check above relies on: a citation broken across lines and a doc
    /// comment, every member of a list or range, and nothing in "method.md §N" (the placeholder).</summary>
    [Fact]
    public void TheCitationPatternFindsEverySectionOfACitation()
    {
        static string[] Sections(string text) =>
            Citation().Matches(text).SelectMany(m => m.Groups["section"].Captures.Select(c => c.Value)).ToArray();
        Assert.Equal(["3"], Sections("the KD of method.md\n§3: for every class"));
        Assert.Equal(["2"], Sections("/// the baseline of method.md\n    /// §2, which"));
        Assert.Equal(["2.2", "3.1"], Sections("(method.md §2.2, §3.1)"));
        Assert.Equal(["2.2", "2.4"], Sections("(method.md §2.2–2.4)"));
        Assert.Equal(["4"], Sections("method.md §4, Zhang et al."));
        Assert.Empty(Sections("cite as \"method.md §N\""));
    }

    /// <summary>The library's XML documentation stays complete: GenerateDocumentationFile is on, warnings are errors, and
    /// nothing silences the missing-summary warning (CS1591) for a folder, a file or the project.</summary>
    [Fact]
    public void NothingExemptsTheLibraryFromDocumentingItsPublicMembers()
    {
        var root = Root();
        var project = File.ReadAllText(Path.Combine(root, "src", "Apc", "Apc.csproj"));
        Assert.Contains("<GenerateDocumentationFile>true</GenerateDocumentationFile>", project);
        Assert.Contains("<TreatWarningsAsErrors>true</TreatWarningsAsErrors>", File.ReadAllText(Path.Combine(root, "Directory.Build.props")));
        var suspects = Directory.GetFiles(root, "*.*", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}.git{Path.DirectorySeparatorChar}")
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")
                        && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .Where(f => Path.GetFileName(f) is ".editorconfig" or ".globalconfig" || f.EndsWith(".props", StringComparison.Ordinal)
                        || f.EndsWith(".targets", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal)
                        || (f.EndsWith(".cs", StringComparison.Ordinal) && f.StartsWith(Path.Combine(root, "src", "Apc") + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            .Where(f => File.ReadAllText(f).Contains("1591", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(root, f)).ToList();
        Assert.True(suspects.Count == 0, "CS1591 is silenced in: " + string.Join(", ", suspects));
    }

    /// <summary>How long each demo takes is stated with one figure: README.md, docs/*.md and `apc demo --help` agree for
    /// `apc demo`, `apc demo --quick` and `apc demo --full` ("about N minutes/hours" wherever a command line states it).</summary>
    [Fact]
    public void EveryStatementOfADemosDurationGivesTheSameFigure()
    {
        var root = Root();
        var figures = new Dictionary<string, HashSet<string>> { [""] = [], ["--quick"] = [], ["--full"] = [] };
        var sources = new Dictionary<string, List<string>> { [""] = [], ["--quick"] = [], ["--full"] = [] };
        foreach (var file in Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Prepend(Path.Combine(root, "README.md")))
            foreach (var line in File.ReadLines(file))
            {
                var command = DemoLine().Match(line);
                if (!command.Success) continue;
                var variant = command.Groups["flag"].Success ? command.Groups["flag"].Value : "";
                foreach (Match figure in Duration().Matches(command.Groups["comment"].Value))
                {
                    figures[variant].Add(figure.Value);
                    sources[variant].Add(Path.GetFileName(file));
                }
            }
        foreach (var (variant, property) in new[] { ("--quick", "Quick"), ("--full", "Full") })
        {
            var help = typeof(Apc.Cli.Commands.DemoSettings).GetProperty(property)!
                .GetCustomAttributes(typeof(System.ComponentModel.DescriptionAttribute), false)
                .Cast<System.ComponentModel.DescriptionAttribute>().Single().Description;
            foreach (Match figure in Duration().Matches(help))
            {
                figures[variant].Add(figure.Value);
                sources[variant].Add("--help");
            }
        }
        foreach (var variant in figures.Keys)
        {
            Assert.True(figures[variant].Count == 1, $"apc demo {variant}: durations {string.Join(" / ", figures[variant])} in {string.Join(", ", sources[variant])}");
            Assert.True(sources[variant].Count >= 2, $"apc demo {variant}: its duration is stated only in {string.Join(", ", sources[variant])}");
        }
        // Issue #9: the quick demo (what the tests run) stays under two minutes.
        Assert.Contains(figures["--quick"].Single(), new[] { "about one minute", "about two minutes" });
    }

    /// <summary>README's command table and docs/compression.md's method table name every `apc compress` sub-command the
    /// tool has (kd, structured, unstructured, quantize, pipeline), and the README row names no other.</summary>
    [Fact]
    public void TheReadmeAndCompressionPageListTheCompressSubCommands()
    {
        var root = Root();
        var subCommands = Apc.Cli.Commands.CompressStages.Methods.Append(Apc.Cli.Commands.CompressStages.Pipeline).ToArray();
        var row = File.ReadLines(Path.Combine(root, "README.md")).Single(l => l.StartsWith("| `./apc compress ", StringComparison.Ordinal));
        var listed = Regex.Match(row, @"one sub-command per method, (?<list>(?:`[a-z-]+`(?:, )?)+)");
        Assert.True(listed.Success, row);
        Assert.Equal(subCommands, Regex.Matches(listed.Groups["list"].Value, "`(?<m>[a-z-]+)`").Select(m => m.Groups["m"].Value).ToArray());
        var compression = File.ReadAllText(Path.Combine(root, "docs", "compression.md"));
        foreach (var method in subCommands)
            Assert.Contains($"\n| `{method}` |", compression);
    }

    // "./apc demo --quick   # ... (about two minutes)": the variant (no flag, --quick or --full) and the comment.
    [GeneratedRegex(@"^\./apc demo(?: (?<flag>--quick|--full))?\s+#(?<comment>.*)$")]
    private static partial Regex DemoLine();

    [GeneratedRegex(@"about (?:\d+|one|two|three|four|five|ten) (?:minutes?|hours?)")]
    private static partial Regex Duration();
}
