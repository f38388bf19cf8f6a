using System.Diagnostics;
using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Cli;
using Apc.Cli.Experiments;
using Apc.Data;
using Apc.Models;
using Apc.Tests.Cli;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Robustness;

/// <summary>Bad input from the user study (docs/reliability.md, "Bad input"): each is refused with one line naming the
/// option or file, exit 2 for a usage error and 1 for a bad file, no stack trace.</summary>
public class BadInputCliTests
{
    static void AssertOneLine(int expectedCode, (int Code, string Error) result, params string[] expected)
    {
        Assert.True(expectedCode == result.Code, $"exit {result.Code}: {result.Error}");
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", result.Error);
        foreach (var e in expected) Assert.Contains(e, result.Error);
    }

    [Fact]
    public void UsageErrorsNameTheOption()
    {
        using var dir = new TempFolder();
        AssertOneLine(2, CliRunner.Run("train", "--epochs", "2", "--epochs", "3"), "option --epochs is given more than once");
        AssertOneLine(2, CliRunner.Run("train", "--epochs"), "option --epochs needs a value");
        // A text option last without its value got the value "__default_command" from the parser: "train --out" trained
        // into a folder of that name (found 2026-12-01). Refused, and nothing is written.
        var cwd = Directory.GetCurrentDirectory();
        AssertOneLine(2, CliRunner.Run("train", "--out"), "option --out needs a value.");
        AssertOneLine(2, CliRunner.Run("compress", "structured", "--teacher"), "option --teacher needs a value.");
        Assert.False(Directory.Exists(Path.Combine(cwd, "__default_command")));
        AssertOneLine(2, CliRunner.Run("info"), "info: the argument MODEL is required");
        // A command that fails after creating its --out removes the folder again when it is still empty; a folder that
        // existed before stays.
        var fresh = dir.File("fresh-out");
        AssertOneLine(1, CliRunner.Run("evaluate", "--model", dir.File("missing.ckpt"), "--out", fresh), "missing.ckpt");
        Assert.False(Directory.Exists(fresh));
        Directory.CreateDirectory(fresh);
        AssertOneLine(1, CliRunner.Run("evaluate", "--model", dir.File("missing.ckpt"), "--out", fresh), "missing.ckpt");
        Assert.True(Directory.Exists(fresh));
        AssertOneLine(2, CliRunner.Run("compress"), "apc compress needs a compression method (kd, structured,");
        AssertOneLine(2, CliRunner.Run("compress", "--teacher", "t.ckpt"), "apc compress needs a compression method first (kd, structured,",
            "e.g. apc compress structured --teacher t.ckpt");
        AssertOneLine(2, CliRunner.Run("evaluate", "--model", "m.ckpt", "--threads", "100000"), "--threads must be in [0,", "cores");
        AssertOneLine(2, CliRunner.Run("evaluate", "--model", "m.ckpt", "--batch-size", "10000000"), "--batch-size must be in [1, 4096]");
        AssertOneLine(2, CliRunner.Run("train", "--epochs", "3", "--lr-steps", "2,5"), "--lr-steps: epoch 5 is beyond --epochs 3");
        AssertOneLine(2, CliRunner.Run("train", "--epochs", "0"), "--epochs must be at least 1");
        AssertOneLine(2, CliRunner.Run("train", "--epochs", "-1"), "--epochs must be at least 1");
        AssertOneLine(2, CliRunner.Run("train", "--seed", "-1"), "--seed must be a non-negative integer (got -1)");
        AssertOneLine(2, CliRunner.Run("evaluate", "--model", "m.ckpt", "--dataset", "voc:/data/VOC2012", "--data-root", "/tmp"), "--data-root is for fashion-scenes");
        AssertOneLine(2, CliRunner.Run("demo", "--seeds", "0,0"), "--seeds: seed 0 is given more than once");
        AssertOneLine(2, CliRunner.Run("demo", "--seeds", "0,,1"), "--seeds '0,,1': an empty entry between commas");
        AssertOneLine(2, CliRunner.Run("explain", "--model", "m.ckpt", "--image", "a.png", "--index", "3"), "--image and --index exclude each other");
        AssertOneLine(2, CliRunner.Run("explain", "--model", "m.ckpt", "--index", ""), "--index: give at least one image index");
        // With --image explain opens no data set, so a data-set option beside it would be silently ignored.
        AssertOneLine(2, CliRunner.Run("explain", "--model", "m.ckpt", "--image", "a.png", "--val-size", "5"), "--val-size: with --image explain draws that file");
        AssertOneLine(2, CliRunner.Run("explain", "--model", "m.ckpt", "--image=a.png", "--dataset=voc:/data"), "--dataset: with --image explain draws that file");
        // --seed then seeds only RISE and SmoothGrad: refused without them, and reaches the check of the model file with one.
        AssertOneLine(2, CliRunner.Run("explain", "--model", "m.ckpt", "--image", "a.png", "--methods", "gradcam", "--seed", "5"), "--seed: with --image it seeds only rise and smoothgrad, and --methods (gradcam) holds neither");
        AssertOneLine(2, CliRunner.Run("explain", "--model", "m.ckpt", "--image", "a.png", "--seed", "5"), "--seed: with --image it seeds only rise and smoothgrad, and the default methods (");
        AssertOneLine(1, CliRunner.Run("explain", "--model", "m.ckpt", "--image", "a.png", "--methods", "rise", "--seed", "5"), "--model checkpoint 'm.ckpt': file not found");
        AssertOneLine(2, CliRunner.Run("explain", "--model", "m.ckpt", "--index", "1,,2"), "--index '1,,2': an empty entry between commas");
        AssertOneLine(2, CliRunner.Run("explain", "--model", "m.ckpt", "--out", ""), "--out: give a folder");
        AssertOneLine(2, CliRunner.Run("evaluate", "--model", "m.ckpt", "--methods", "lrp,rap", "--layer", "relu4_3"), "--layer applies to gradcam", "--methods (lrp,rap) holds none of them");
        AssertOneLine(2, CliRunner.Run("explain", "--model", "m.ckpt", "--methods", "lrp", "--layer", "relu4_3"), "--layer applies to gradcam");
        AssertOneLine(2, CliRunner.Run("evaluate", "--model", "m.ckpt", "--reference-maps", "maps"), "--reference-maps holds a reference's maps");
    }

    [Fact]
    public void WrongKindsOfPathSayWhatTheyAre()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("afile"), "");
        AssertOneLine(1, CliRunner.Run("explain", "--model", "m.ckpt", "--out", dir.File("afile")), "is a file, expected a folder");
        // Checked before any work (it used to fail at the first map with an internal error).
        AssertOneLine(1, CliRunner.Run("evaluate", "--model", "m.ckpt", "--reference", "m.ckpt", "--reference-maps", dir.File("afile")), $"--reference-maps '{dir.File("afile")}': is a file, expected a folder");
        AssertOneLine(1, CliRunner.Run("experiment", "--config", dir.Path), "is a folder, expected a JSON plan file");
        AssertOneLine(1, CliRunner.Run("import", "--pytorch", dir.Path, "--out", dir.File("x.ckpt")), "is a folder");
    }

    [Fact]
    public void ImportOfANonPyTorchFileSaysSo()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("notes.txt"), "hello");
        var result = CliRunner.Run("import", "--pytorch", dir.File("notes.txt"), "--out", dir.File("x.ckpt"));
        AssertOneLine(1, result, "notes.txt", "not a PyTorch file");
        Assert.DoesNotContain("old", result.Error);
    }

    [Fact]
    public void ExplainRefusesANaNModelAsEvaluateDoes()
    {
        using var dir = new TempFolder();
        torch.manual_seed(0);
        using var model = ModelFactory.Create(new ModelConfig(ArchSpec.Parse("vgg11-bn:w=1/16"), 1, 10, 32));
        using (no_grad()) foreach (var p in model.parameters()) p.fill_(double.NaN);
        var path = dir.File("nan.ckpt");
        ModelCheckpoint.Save(path, new CheckpointInfo("teacher", "", 1, 10, 32, Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray(),
            new Normalization(new[] { 0.5f }, new[] { 0.25f }), "fashion-scenes", CheckpointInfo.MakeProvenance("test", 0, null), new JsonObject()), model);
        foreach (var verb in new[] { "explain", "evaluate" })
            AssertOneLine(1, CliRunner.Run(verb, "--model", path, "--out", dir.File(verb)), "--model", "nan.ckpt", "NaN or infinity");
    }

    static ExperimentConfig Plan() => new()
    {
        Data = new() { TrainSize = 32, ValSize = 16, ImageSize = 32, BatchSize = 16 },
        Teacher = new() { Arch = "vgg11-bn:w=1/16", Epochs = 1, LrSteps = "" },
        Compressions = new[] { new ExperimentConfig.CompressionSection { Method = "kd", Options = new[] { "--epochs", "1" } } },
        Matchers = new[] { "none", "wcam" },
        Evaluation = new() { Methods = new[] { "gradcam" }, Examples = new[] { 0, 1 } },
    };

    [Fact]
    public void APlanIsValidatedWholeBeforeAnyStageRuns()
    {
        Plan().Validate("plan.json"); // the good plan passes
        var cases = new (ExperimentConfig Config, string Expected)[]
        {
            (Plan() with { Compressions = new[] { new ExperimentConfig.CompressionSection { Method = "kd", Label = "../../x" } } }, "'../../x' is not a plain name"),
            (Plan() with { Matchers = new[] { "wcam:layers=../../y" } }, "is not a plain name"),
            (Plan() with { Seeds = new[] { 0, 0 } }, "seed 0 is listed more than once"),
            (Plan() with { Seeds = new[] { -1 } }, "'seeds' holds -1"),
            (Plan() with { Matchers = Array.Empty<string>() }, "'matchers' is empty"),
            (Plan() with { Evaluation = Plan().Evaluation with { Examples = new[] { 0, 16 } } }, "'evaluation.examples' holds 16, past the end of the 16"),
            (Plan() with { Evaluation = Plan().Evaluation with { ValSize = 0 } }, "--val-size must be in [1,"),
            (Plan() with { Evaluation = Plan().Evaluation with { Split = "train" } }, "'evaluation.split' is 'train'; expected \"val\" or \"test\""),
            (Plan() with { Evaluation = Plan().Evaluation with { Split = "test", ValSize = 0 } }, "--test-size must be in [1,"),
            (Plan() with { Matchers = new[] { "wcam:drop=abc" } }, "wcam"),
            (Plan() with { Compressions = new[] { new ExperimentConfig.CompressionSection { Method = "kd", Options = new[] { "--ratio", "0.5" } } } }, "--ratio"),
            (Plan() with { Teacher = Plan().Teacher with { LrSteps = "5" } }, "--lr-steps: epoch 5 is beyond --epochs 1"),
        };
        foreach (var (config, expected) in cases)
        {
            var error = Assert.ThrowsAny<ApcException>(() => config.Validate("plan.json"));
            Assert.Contains("experiment config 'plan.json'", error.Message);
            Assert.Contains(expected, error.Message);
        }
        // The failing stage's command is shown as the plan makes it: without the check's stand-in --device and --threads.
        var lrSteps = Assert.ThrowsAny<ApcException>(() => (Plan() with { Teacher = Plan().Teacher with { LrSteps = "5" } }).Validate("plan.json"));
        Assert.Matches(@"\(--lr-steps is the plan's teacher\.lr_steps; in: apc train .*--lr-steps 5.*\)\.$", lrSteps.Message);
        Assert.DoesNotContain("--threads", lrSteps.Message);
        Assert.DoesNotContain("--device", lrSteps.Message);
    }

    [Fact]
    public void AFailingStageOptionIsTracedToThePlanKeyThatSetsIt()
    {
        var cases = new (ExperimentConfig Config, string Expected)[]
        {
            (Plan() with { Teacher = Plan().Teacher with { LrSteps = "5" } }, "--lr-steps is the plan's teacher.lr_steps"),
            (Plan() with { Data = Plan().Data with { TrainSize = -5 } }, "--train-size is the plan's data.train_size"),
            (Plan() with { Data = Plan().Data with { BatchSize = 0 } }, "--batch-size is the plan's data.batch_size"),
            (Plan() with { Evaluation = Plan().Evaluation with { ValSize = 0 } }, "--val-size is the plan's evaluation.val_size"),
            (Plan() with { Evaluation = Plan().Evaluation with { Split = "test", ValSize = 0 } }, "--test-size is the plan's evaluation.val_size"),
            (Plan() with { Evaluation = Plan().Evaluation with { Split = "test" }, Deployment = new() { Images = 0 } }, "--test-size is the plan's deployment.images"),
            (Plan() with { MatchWeight = -1 }, "--match-weight is the plan's match_weight"),
        };
        foreach (var (config, expected) in cases)
            Assert.Contains(expected, Assert.ThrowsAny<ApcException>(() => config.Validate("plan.json")).Message);
        // An option written in a compression's "options" is named as written there, with no plan key.
        var own = Plan() with { Compressions = new[] { new ExperimentConfig.CompressionSection { Method = "kd", Options = new[] { "--epochs", "0" } } } };
        var error = Assert.ThrowsAny<ApcException>(() => own.Validate("plan.json")).Message;
        Assert.Contains("--epochs", error);
        Assert.DoesNotContain("is the plan's", error);
    }

    /// <summary>Every example that --help prints (root and every verb) parses and passes the verb's early checks.</summary>
    [Fact]
    public void EveryHelpExampleParses()
    {
        var verbs = new[] { "", "train", "info", "import", "compress", "compress kd", "compress structured", "compress unstructured",
            "compress quantize", "compress pipeline", "evaluate", "explain", "experiment", "demo", "export", "stage" };
        int examples = 0;
        foreach (var verb in verbs)
        {
            foreach (var example in HelpExamples(verb))
            {
                var args = example.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..];
                var error = Record.Exception(() => ApcApp.Check(args));
                Assert.True(error is null, $"'{example}' (from apc {verb} --help): {error?.Message}");
                examples++;
            }
        }
        Assert.True(examples >= 10, $"only {examples} examples found in the help texts");
    }

    /// <summary>Every apc command line that README.md and the docs (docs/**/*.md, src/**/README.md) show parses and passes
    /// its verb's early checks, so that the documentation shows command lines that run: each line of a code block that
    /// starts with `./apc`, `apc` or `$ apc` (continued over lines ending in '\', comments and an output redirection cut
    /// off), and each inline `./apc ...` span (README's command table). A synopsis's optional parts, [--x] and
    /// [--a | --b], are checked in every alternative, each with the optional part given.</summary>
    [Fact]
    public void EveryDocumentedCommandLineParses()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Apc.sln"))) root = Path.GetDirectoryName(root)!;
        var files = Directory.GetFiles(Path.Combine(root, "docs"), "*.md", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Path.Combine(root, "src"), "README.md", SearchOption.AllDirectories))
            .Prepend(Path.Combine(root, "README.md"));
        int lines = 0, inline = 0;
        var verbs = new HashSet<string>();
        foreach (var file in files)
            foreach (var (line, fromSpan) in DocumentedCommandLines(File.ReadAllLines(file)))
                foreach (var variant in Synopsis(line))
                {
                    var args = Apc.Util.CommandLine.Split(variant).Skip(1).ToArray();
                    var error = Record.Exception(() => ApcApp.Check(args));
                    Assert.True(error is null, $"{Path.GetRelativePath(root, file)}: '{variant}': {error?.Message}");
                    lines++;
                    if (fromSpan) inline++;
                    verbs.Add(args.Length > 1 && args[0] == "compress" ? "compress " + args[1] : args.FirstOrDefault() ?? "");
                }
        Assert.True(lines >= 40, $"only {lines} command lines found in README.md and docs/");
        Assert.True(inline >= 10, $"only {inline} inline command lines found (README's command table has more)");
        foreach (var verb in new[] { "train", "compress kd", "evaluate", "explain", "export", "info", "import", "experiment", "demo" })
            Assert.Contains(verb, verbs);
    }

    /// <summary>The command lines of a Markdown page, with whether each came from an inline span.</summary>
    static IEnumerable<(string Line, bool FromSpan)> DocumentedCommandLines(string[] page)
    {
        bool inside = false;
        for (int i = 0; i < page.Length; i++)
        {
            var raw = page[i];
            if (raw.StartsWith("```", StringComparison.Ordinal)) { inside = !inside; continue; }
            if (!inside)
            {
                foreach (System.Text.RegularExpressions.Match span in System.Text.RegularExpressions.Regex.Matches(raw, @"`(\./apc [^`]+)`"))
                {
                    var text = span.Groups[1].Value.Replace("\\|", "|", StringComparison.Ordinal);
                    // A span with a placeholder (<run>, …) names a form, not a line to run.
                    if (text.Contains('<') || text.Contains('…') || text.Contains("...", StringComparison.Ordinal)) continue;
                    yield return (text, true);
                }
                continue;
            }
            var line = raw.Trim();
            if (line.StartsWith("$ ", StringComparison.Ordinal)) line = line[2..];
            if (!line.StartsWith("./apc ", StringComparison.Ordinal) && !line.StartsWith("apc ", StringComparison.Ordinal)) continue;
            while (line.EndsWith('\\') && i + 1 < page.Length) line = line[..^1] + " " + page[++i].Trim();
            if (line.IndexOf(" #", StringComparison.Ordinal) is var comment and > 0) line = line[..comment];
            if (line.IndexOf(" > ", StringComparison.Ordinal) is var redirect and > 0) line = line[..redirect];
            yield return (line.Trim(), false);
        }
    }

    /// <summary>The command lines a synopsis stands for: each [part] given, and one line per alternative of [a | b].</summary>
    internal static IEnumerable<string> Synopsis(string line)
    {
        int open = line.IndexOf('[', StringComparison.Ordinal);
        int close = open < 0 ? -1 : line.IndexOf(']', open);
        // A bracket inside a value (e.g. a JSON path or a glob) is left alone: only " [--" opens an optional part.
        if (open <= 0 || close < 0 || line[open - 1] != ' ' || !line[(open + 1)..].StartsWith('-'))
        {
            yield return line;
            yield break;
        }
        foreach (var alternative in line[(open + 1)..close].Split('|'))
            foreach (var rest in Synopsis(line[..open] + alternative.Trim() + line[(close + 1)..]))
                yield return System.Text.RegularExpressions.Regex.Replace(rest, " {2,}", " ");
    }

    [Fact]
    public void ASynopsisStandsForEveryAlternativeWithItsOptionalPartsGiven()
    {
        Assert.Equal(["./apc demo --quick --seeds 0,1,2", "./apc demo --full --seeds 0,1,2"],
            Synopsis("./apc demo [--quick | --full] [--seeds 0,1,2]").ToArray());
        Assert.Equal(["./apc train --epochs 12 --out runs/t"], Synopsis("./apc train [--epochs 12] --out runs/t").ToArray());
        Assert.Equal(["./apc info a[1].ckpt"], Synopsis("./apc info a[1].ckpt").ToArray());
    }

    /// <summary>The EXAMPLES section of `apc VERB --help`, wrapped lines joined.</summary>
    static List<string> HelpExamples(string verb)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(CliRunner.CliDll);
        foreach (var word in verb.Split(' ', StringSplitOptions.RemoveEmptyEntries)) info.ArgumentList.Add(word);
        info.ArgumentList.Add("--help");
        using var process = Process.Start(info)!;
        var text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var examples = new List<string>();
        bool inside = false;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("EXAMPLES:", StringComparison.Ordinal)) { inside = true; continue; }
            if (!inside) continue;
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]) && line.TrimEnd().EndsWith(':')) break; // next section
            var trimmed = line.Trim();
            if (trimmed.Length == 0) continue;
            if (trimmed.StartsWith("apc ", StringComparison.Ordinal)) examples.Add(trimmed);
            else if (examples.Count > 0) examples[^1] += " " + trimmed;
        }
        return examples;
    }

    [Fact]
    public void TheCommandStoredInACompressedCheckpointRunsAgain()
    {
        using var cli = new Compression.CompressCli();
        using var dir = new TempFolder();
        // An output folder with a space and a quote, and an empty argument: both must survive the copy-paste.
        var outDir = dir.File("kd out's");
        var args = new[] { "compress", "kd", "--teacher", cli.TeacherPath, "--student", "vgg11-bn:w=1/16", "--epochs", "1",
            "--lr-steps", "", "--match", "none", "--out", outDir }.Concat(Compression.CompressCli.Data).ToArray();
        var (code, error) = CliRunner.Run(args);
        Assert.True(code == 0, error);
        string Stored(string folder)
        {
            using var checkpoint = ModelCheckpoint.Load(Path.Combine(folder, "model.ckpt"));
            return checkpoint.Info.Provenance["command"]!.GetValue<string>();
        }
        var command = Stored(outDir);
        Assert.StartsWith("apc compress kd ", command);
        // The stored line, split as a shell splits it, is exactly the arguments given.
        var words = Apc.Util.CommandLine.Split(command);
        Assert.Equal(args, words.Skip(1).ToArray());
        // Run it again as stored, into another folder.
        var again = words.Skip(1).Select(a => a == outDir ? dir.File("kd 2") : a).ToArray();
        (code, error) = CliRunner.Run(again);
        Assert.True(code == 0, error);
        Assert.StartsWith("apc compress kd ", Stored(dir.File("kd 2")));
    }

    [Fact]
    public void StaleTempFilesAreRemovedByTheNextWriteAndFreshOnesKept()
    {
        using var dir = new TempFolder();
        var staleCkpt = dir.File($".model.ckpt.{Guid.NewGuid():N}.tmp");
        var staleProbe = dir.File($".write-probe-{Guid.NewGuid():N}");
        var fresh = dir.File($".other.json.{Guid.NewGuid():N}.tmp");
        var unrelated = dir.File(".keep");
        foreach (var f in new[] { staleCkpt, staleProbe, fresh, unrelated }) File.WriteAllText(f, "x");
        foreach (var f in new[] { staleCkpt, staleProbe, unrelated }) File.SetLastWriteTimeUtc(f, DateTime.UtcNow.AddHours(-1));
        Apc.Util.AtomicFile.WriteAllText(dir.File("results.json"), "{}");
        Assert.False(File.Exists(staleCkpt));
        Assert.False(File.Exists(staleProbe));
        Assert.True(File.Exists(fresh), "a temp file younger than a minute may belong to a concurrent writer");
        Assert.True(File.Exists(unrelated));

        // .gitignore covers both namings.
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Apc.sln"))) root = Path.GetDirectoryName(root)!;
        var ignore = File.ReadAllLines(Path.Combine(root, ".gitignore"));
        Assert.Contains(".*.*.tmp", ignore);
        Assert.Contains(".write-probe-*", ignore);
    }

    [Fact]
    public void TrainsDefaultRateStepsFollowItsEpochs()
    {
        // Without --lr-steps the rate drops after ⌊60 %⌋ and ⌊85 %⌋ of the epochs: 12 epochs give the former fixed 8,11;
        // 1 epoch gives none (a fixed default of 8,11 used to refuse --epochs 1).
        Assert.Equal(new[] { 8, 11 }, new Apc.Cli.Commands.TrainSettings { Epochs = 12 }.ToTrainingOptions().LrSteps);
        Assert.Equal(Array.Empty<int>(), new Apc.Cli.Commands.TrainSettings { Epochs = 1 }.ToTrainingOptions().LrSteps);
        Assert.Equal(new[] { 2 }, new Apc.Cli.Commands.TrainSettings { Epochs = 3, LrSteps = "2" }.ToTrainingOptions().LrSteps);
    }
}
