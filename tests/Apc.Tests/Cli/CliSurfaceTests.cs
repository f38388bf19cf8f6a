using System.ComponentModel;
using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Cli;
using Apc.Cli.Commands;
using Apc.Cli.Terminal;
using Apc.Data;
using Apc.Models;
using Apc.Util;
using Spectre.Console.Cli;

namespace Apc.Tests.Cli;

/// <summary>The command line's surface (issue 11): one sub-command per compression method whose help lists exactly its
/// options, one name per concept, a description for every option, --format json, method aliases, -v, resume hints.</summary>
public class CliSurfaceTests
{
    static readonly string[] Data = { "--dataset", "fashion-scenes", "--train-size", "32", "--val-size", "16", "--image-size", "32", "--batch-size", "16" };

    /// <summary>An untrained fashion-scenes model (finite random weights, seeded) saved as a checkpoint.</summary>
    internal static string Checkpoint(string path)
    {
        var info = new CheckpointInfo("teacher", "vgg11-bn:w=1/16", 1, 10, 32, FashionMnist.ClassNames.ToList(), FashionScenesDataset.DefaultNormalization,
            "fashion-scenes", CheckpointInfo.MakeProvenance("apc train", 0, null), new JsonObject());
        TorchSharp.torch.manual_seed(0);
        using var model = ModelFactory.Create(new ModelConfig(ArchSpec.Parse(info.Arch), 1, 10, 32));
        ModelCheckpoint.Save(path, info, model);
        return path;
    }

    /// <summary>Runs the CLI in a child process (stdout redirected, as in a pipe): exit code, stdout, stderr.</summary>
    static (int Code, string Out, string Error) Child(params string[] args)
    {
        // A process started in the background of a non-interactive shell (as CI and nohup start the test host)
        // inherits SIGINT as ignored, and .NET keeps an ignored SIGINT ignored, as Unix programs should. Ctrl-C reaches
        // a program in a terminal's foreground: perl (Debian's perl-base is essential) restores SIGINT's default
        // disposition before it becomes apc, so the test sends the signal a user's Ctrl-C would send.
        var info = new ProcessStartInfo("perl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die $!", "dotnet" }) info.ArgumentList.Add(a);
        info.ArgumentList.Add(CliRunner.CliDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }

    static readonly Type[] CompressTypes = { typeof(KdSettings), typeof(StructuredSettings), typeof(UnstructuredSettings), typeof(QuantizeSettings), typeof(PipelineSettings) };

    static string MethodOf(Type settings) => ((CompressSettings)Activator.CreateInstance(settings)!).Method;

    /// <summary>(long name, takes a value) of every option a settings type has, inherited ones included.</summary>
    static List<(string Name, bool Valued)> OptionsOf(Type settings) =>
        settings.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<CommandOptionAttribute>()).Where(a => a is not null)
            .Select(a => ("--" + a!.LongNames[0], a.ValueName is not null)).ToList();

    /// <summary>The long options an `apc ... --help` text lists in its OPTIONS section.</summary>
    static HashSet<string> HelpOptions(string help)
    {
        var section = help[help.IndexOf("OPTIONS:", StringComparison.Ordinal)..];
        int end = section.IndexOf("COMMANDS:", StringComparison.Ordinal);
        if (end > 0) section = section[..end];
        return System.Text.RegularExpressions.Regex.Matches(section, @"(?<=^\s+(-\w, )?)--[a-z][a-z0-9-]*", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Value).ToHashSet();
    }

    [Fact]
    public void HelpIntoAPipeHasNoPaddingAndKeepsEachOptionOnItsLine()
    {
        foreach (var args in new[] { new[] { "train", "--help" }, new[] { "compress", "structured", "--help" }, Array.Empty<string>() })
        {
            var (_, help, _) = Child(args);
            Assert.Contains("OPTIONS:", help);
            var lines = help.Split('\n');
            Assert.DoesNotContain(lines, line => line.EndsWith(' '));
            // The redirected width (200 columns) still keeps a short option's description on its own line.
            if (args.Length > 0) Assert.Contains(lines, line => line.Contains("--verbose") && line.Contains("Show stack traces"));
        }
    }

    [Fact]
    public void EachCompressSubCommandsHelpListsExactlyTheOptionsOfItsSettingsType()
    {
        var all = CompressTypes.SelectMany(t => OptionsOf(t).Select(o => o.Name)).ToHashSet();
        foreach (var type in CompressTypes)
        {
            var method = MethodOf(type);
            var (code, help, _) = Child("compress", method, "--help");
            Assert.Equal(0, code);
            var listed = HelpOptions(help);
            listed.Remove("--help");
            var own = OptionsOf(type).Select(o => o.Name).ToHashSet();
            Assert.True(own.SetEquals(listed), $"compress {method} --help lists {string.Join(' ', listed.Except(own))} beyond, and lacks {string.Join(' ', own.Except(listed))}");
            foreach (var foreign in all.Except(own)) Assert.DoesNotContain(foreign + " ", help);
        }
    }

    [Fact]
    public void AnOptionOfAnotherMethodIsAUsageErrorOfOneLineNamingItsMethods()
    {
        int checkedPairs = 0;
        foreach (var type in CompressTypes.Where(t => t != typeof(PipelineSettings)))
        {
            var method = MethodOf(type);
            var own = OptionsOf(type).Select(o => o.Name).ToHashSet();
            foreach (var other in CompressTypes.Where(t => t != type && t != typeof(PipelineSettings)))
                foreach (var (option, valued) in OptionsOf(other).Where(o => !own.Contains(o.Name)))
                {
                    var args = new List<string> { "compress", method, "--teacher", "t.ckpt", option };
                    if (valued) args.Add("1");
                    var (code, error) = CliRunner.Run(args.ToArray());
                    Assert.True(code == 2, $"{string.Join(' ', args)}: exit {code}: {error}");
                    Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
                    Assert.Contains(option, error);
                    Assert.Contains(MethodOf(other), error);
                    checkedPairs++;
                }
        }
        Assert.True(checkedPairs >= 20, $"only {checkedPairs} pairs");
    }

    [Fact]
    public void APipelineRefusesAnOptionOfAMethodOutsideItsStagesAndSharedNamesReachEveryStageThatHasThem()
    {
        var (code, error) = CliRunner.Run("compress", "pipeline", "--stages", "kd,quantize", "--teacher", "t.ckpt", "--ratio", "0.3");
        Assert.Equal(2, code);
        Assert.Contains("--ratio is an option of structured", error);
        // --rounds belongs to structured and unstructured: accepted with either among the stages.
        ApcApp.Check(new[] { "compress", "pipeline", "--stages", "structured,quantize", "--teacher", "t.ckpt", "--rounds", "2" });
        (code, error) = CliRunner.Run("compress", "pipeline", "--stages", "kd,quantize", "--teacher", "t.ckpt", "--rounds", "2");
        Assert.Equal(2, code);
        Assert.Contains("structured and unstructured", error);
        // The value reaches each stage's options.
        var settings = new PipelineSettings { Stages = "structured,unstructured,quantize", Teacher = "t.ckpt", Rounds = 4, CalibrationImages = 16 };
        var steps = CompressStages.Steps(settings);
        Assert.Equal(4, steps[0].Config!["iterations"]!.GetValue<int>());
        Assert.Equal(16, steps[0].Config!["calibration_images"]!.GetValue<int>());
        Assert.Equal(4, steps[1].Config!["rounds"]!.GetValue<int>());
        Assert.Equal(16, steps[2].Config!["calibration_images"]!.GetValue<int>());
    }

    [Fact]
    public void RenamedOptionsAndTheMethodAsAnOptionAreRefusedWithWhatToGiveInstead()
    {
        foreach (var (args, expected) in new[]
        {
            (new[] { "compress", "quantize", "--teacher", "t.ckpt", "--calibrate", "16" }, "renamed to --calibration-images"),
            (new[] { "compress", "structured", "--teacher", "t.ckpt", "--iterations", "2" }, "renamed to --rounds"),
            (new[] { "compress", "quantize", "--teacher", "t.ckpt", "--qat", "false" }, "--no-qat"),
            (new[] { "info", "m.ckpt", "--json" }, "renamed to --format json"),
            (new[] { "compress", "--method", "kd", "--teacher", "t.ckpt" }, "the method is the sub-command: apc compress kd|structured"),
        })
        {
            var (code, error) = CliRunner.Run(args);
            Assert.True(code == 2, $"{string.Join(' ', args)}: exit {code}: {error}");
            Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(expected, error);
        }
    }

    /// <summary>In `apc compress pipeline --help` every method's option starts with the methods it belongs to, "(structured,
    /// quantize)", exactly those whose own sub-command has it, in the order of --stages' methods.</summary>
    [Fact]
    public void EachPipelineOptionNamesExactlyTheMethodsThatHaveIt()
    {
        var methods = CompressStages.Methods.ToList();
        int checkedOptions = 0;
        foreach (var property in typeof(PipelineSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        {
            var option = property.GetCustomAttribute<CommandOptionAttribute>();
            if (option is null || option.LongNames[0] == "stages") continue;
            var owners = CompressOptionOwners.Of("--" + option.LongNames[0]).Where(m => m != CompressStages.Pipeline).OrderBy(methods.IndexOf);
            var description = property.GetCustomAttribute<DescriptionAttribute>()!.Description;
            Assert.StartsWith($"({string.Join(", ", owners)}) ", description);
            checkedOptions++;
        }
        Assert.True(checkedOptions >= 12, $"only {checkedOptions} pipeline options");
    }

    [Fact]
    public void NoQatIsPostTrainingQuantization()
    {
        Assert.True(CompressStages.Steps(new QuantizeSettings { Teacher = "t.ckpt" })[0].Config!["qat"]!.GetValue<bool>());
        Assert.False(CompressStages.Steps(new QuantizeSettings { Teacher = "t.ckpt", NoQat = true })[0].Config!["qat"]!.GetValue<bool>());
    }

    [Fact]
    public void EveryOptionOfEveryVerbHasADescriptionAndRequiredInputsAreMarked()
    {
        var settingsTypes = typeof(ApcApp).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(CommandSettings))).ToList();
        Assert.True(settingsTypes.Count >= 10, $"{settingsTypes.Count} settings types");
        var missing = settingsTypes.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(p => p.GetCustomAttribute<CommandOptionAttribute>() is not null || p.GetCustomAttribute<CommandArgumentAttribute>() is not null)
                .Where(p => string.IsNullOrWhiteSpace(p.GetCustomAttribute<DescriptionAttribute>()?.Description))
                .Select(p => $"{t.Name}.{p.Name}")).ToList();
        Assert.True(missing.Count == 0, "no description: " + string.Join(", ", missing));
        // The inputs without which a verb cannot run are required, so that --help says so and Spectre refuses their absence.
        foreach (var (type, property) in new[] { (typeof(CompressSettings), "Teacher"), (typeof(EvaluateSettings), "Model"), (typeof(ExplainSettings), "Model"),
                     (typeof(ExportSettings), "Model"), (typeof(ExportSettings), "Out"), (typeof(ImportSettings), "PyTorch"), (typeof(StageSettings), "Done") })
            Assert.True(type.GetProperty(property)!.GetCustomAttribute<CommandOptionAttribute>()!.IsRequired, $"{type.Name}.{property}");
        // Spectre's help ends a required option's description with "Required"; an option that is required in one mode only
        // says so in its own words ("Required, except with --status"), and no description repeats Spectre's mark.
        foreach (var property in settingsTypes.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)))
        {
            if (property.GetCustomAttribute<CommandOptionAttribute>() is not { } option) continue;
            var description = property.GetCustomAttribute<DescriptionAttribute>()!.Description;
            bool saysRequired = System.Text.RegularExpressions.Regex.IsMatch(description, @"\bRequired\b");
            Assert.True(!saysRequired || (!option.IsRequired && description.Contains("Required, except with", StringComparison.Ordinal)),
                $"{property.DeclaringType!.Name}.{property.Name}: required {option.IsRequired}, description '{description}'");
        }
        var (_, exportHelp, _) = Child("export", "--help");
        foreach (var required in new[] { "--model <CKPT>", "--out <FILE>" })
            Assert.EndsWith("Required", exportHelp.Split('\n').Single(l => l.Contains(required, StringComparison.Ordinal)).TrimEnd());
        var (code, error) = CliRunner.Run("compress", "kd", "--match", "none");
        Assert.Equal(2, code);
        Assert.Contains("compress kd: --teacher is required", error);
        // Required but for one mode (experiment --status reads a folder instead of a plan): the help says so, and its
        // absence is the same one-line usage error.
        Assert.EndsWith("Required, except with --status or --combine.", typeof(ExperimentSettings).GetProperty("Config")!.GetCustomAttribute<DescriptionAttribute>()!.Description);
        (code, error) = CliRunner.Run("experiment", "--out", "runs/x");
        Assert.Equal(2, code);
        Assert.Contains("--config FILE is required", error);
    }

    /// <summary>What README.md says about shared options holds for the settings types: the data options it lists belong to
    /// train, every compress sub-command, evaluate and explain; demo takes the three it names; info, evaluate and every
    /// compress sub-command take --format.</summary>
    [Fact]
    public void TheReadmesStatementsAboutSharedOptionsHold()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Apc.sln"))) root = Path.GetDirectoryName(root)!;
        var readme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings(" ");
        static string[] Options(string text) =>
            System.Text.RegularExpressions.Regex.Matches(text, "`(--[a-z-]+)`").Select(m => m.Groups[1].Value).ToArray();
        var data = System.Text.RegularExpressions.Regex.Match(readme, @"Data options are shared by every verb that reads data \(train, compress, evaluate, explain\): (?<list>[^;]+);");
        Assert.True(data.Success, "README no longer states the shared data options");
        var dataOptions = Options(data.Groups["list"].Value);
        Assert.True(dataOptions.Length >= 10, string.Join(' ', dataOptions));
        foreach (var type in CompressTypes.Append(typeof(TrainSettings)).Append(typeof(EvaluateSettings)).Append(typeof(ExplainSettings)))
            foreach (var option in dataOptions) Assert.Contains(option, OptionsOf(type).Select(o => o.Name));
        var demo = System.Text.RegularExpressions.Regex.Match(readme, @"`demo` takes (?<list>[^(;]+)");
        Assert.True(demo.Success, "README no longer states demo's data options");
        foreach (var option in Options(demo.Groups["list"].Value)) Assert.Contains(option, OptionsOf(typeof(DemoSettings)).Select(o => o.Name));
        Assert.Contains("`info`, `evaluate` and `compress` take `--format json`", readme);
        foreach (var type in CompressTypes.Append(typeof(InfoSettings)).Append(typeof(EvaluateSettings)))
            Assert.Contains("--format", OptionsOf(type).Select(o => o.Name));
    }

    [Fact]
    public void OneNamePerConceptAcrossVerbs()
    {
        // Options whose names differ across verbs for one concept before issue 11; none of the old names is left.
        var names = typeof(ApcApp).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(CommandSettings)))
            .SelectMany(t => OptionsOf(t).Select(o => o.Name)).ToHashSet();
        foreach (var old in new[] { "--calibrate", "--iterations", "--qat", "--json" }) Assert.DoesNotContain(old, names);
        foreach (var kept in new[] { "--calibration-images", "--rounds", "--no-qat", "--format" }) Assert.Contains(kept, names);
    }

    [Fact]
    public void MethodAliasesResolveToTheRegistrysNames()
    {
        Assert.Equal("gradcam", MethodNames.Canonical("gcam"));
        Assert.Equal("gradcam", MethodNames.Canonical(" GCAM "));
        Assert.Equal("excitation-backprop", MethodNames.Canonical("ebp"));
        Assert.Equal("lrp", MethodNames.Canonical("LRP"));
        Assert.Equal(new[] { "gradcam", "excitation-backprop", "rap" }, MethodNames.ParseList("gcam, ebp,rap"));
        foreach (var alias in MethodNames.Aliases.Values) Assert.Contains(alias, Apc.Attribution.AttributionMethods.Names);
        ApcApp.Check(new[] { "explain", "--model", "m.ckpt", "--methods", "gcam,ebp" });
        ApcApp.Check(new[] { "evaluate", "--model", "m.ckpt", "--methods", "gcam,ebp" });
        // A plan names each method as the evaluations write it, so that the collection finds it: an alias is refused there.
        var plan = new Apc.Cli.Experiments.ExperimentConfig
        {
            Compressions = new[] { new Apc.Cli.Experiments.ExperimentConfig.CompressionSection { Method = "kd" } },
            Evaluation = new() { Methods = new[] { "gcam" }, Examples = new[] { 0 } },
        };
        var planError = Assert.ThrowsAny<ApcException>(() => plan.Validate("plan.json"));
        Assert.Contains("'evaluation.methods' holds 'gcam'; write 'gradcam'", planError.Message);
        var (code, error) = CliRunner.Run("evaluate", "--model", "m.ckpt", "--methods", "gcamm");
        Assert.Equal(2, code);
        Assert.Contains("unknown attribution method 'gcamm'", error);
    }

    [Fact]
    public void ShortVIsVerboseAndVersionStaysLong()
    {
        var (code, error) = CliRunner.Run("info", "/nonexistent/m.ckpt", "-v");
        Assert.Equal(1, code);
        Assert.True(error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > 1, "-v adds the stack trace: " + error);
        (code, error) = CliRunner.Run("info", "/nonexistent/m.ckpt");
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var (versionCode, version, _) = Child("--version");
        Assert.Equal(0, versionCode);
        Assert.Equal(ToolVersion.Text, version.Trim());
        Assert.NotEqual(0, Child("-v").Code); // -v alone is not the version
        // Every verb has -v as the short name of --verbose, described alike.
        var verbose = typeof(ApcApp).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(CommandSettings)) && !t.IsAbstract)
            .Select(t => t.GetProperty("Verbose")).ToList();
        Assert.DoesNotContain(null, verbose);
        Assert.All(verbose, p => Assert.Equal(new[] { "v" }, p!.GetCustomAttribute<CommandOptionAttribute>()!.ShortNames));
        Assert.Single(verbose.Select(p => p!.GetCustomAttribute<DescriptionAttribute>()!.Description).Distinct());
    }

    [Fact]
    public void TheResumeHintContinuesTheRunThatWasInterrupted()
    {
        Assert.Equal("apc train --epochs 3 --out runs/t --resume", ResumeHint.For(new[] { "train", "--epochs", "3", "--out", "runs/t", "--force" }));
        Assert.Equal("apc compress kd --teacher t.ckpt --resume", ResumeHint.For(new[] { "compress", "kd", "--teacher", "t.ckpt", "--resume" }));
        Assert.Equal("apc experiment --config 'my plan.json'", ResumeHint.For(new[] { "experiment", "--config", "my plan.json", "--force" }));
        Assert.Equal("apc demo --quick", ResumeHint.For(new[] { "demo", "--quick" }));
        Assert.Null(ResumeHint.For(new[] { "evaluate", "--model", "m.ckpt" }));
        Assert.Null(ResumeHint.For(new[] { "experiment", "--status", "runs/x" }));
        // The hint is a command line the shell splits back into the arguments that continue the run.
        var words = Apc.Util.CommandLine.Split(ResumeHint.For(new[] { "train", "--out", "a b" })!);
        Assert.Equal(new[] { "apc", "train", "--out", "a b", "--resume" }, words);
    }

    /// <summary>Ctrl-C (SIGINT) or SIGTERM (kill, timeout, a Slurm job's time limit) during training ends the process
    /// with the command that continues the run on stderr: the same arguments with --resume, a line that parses.</summary>
    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task CtrlCOrSigtermDuringTrainingPrintsTheCommandThatContinuesIt(string signal)
    {
        using var dir = new TempFolder();
        var outDir = dir.File("t");
        // A process started in the background of a non-interactive shell (as CI and nohup start the test host)
        // inherits SIGINT as ignored, and .NET keeps an ignored SIGINT ignored, as Unix programs should. Ctrl-C reaches
        // a program in a terminal's foreground: perl (Debian's perl-base is essential) restores SIGINT's default
        // disposition before it becomes apc, so the test sends the signal a user's Ctrl-C would send.
        var info = new ProcessStartInfo("perl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die $!", "dotnet" }) info.ArgumentList.Add(a);
        info.ArgumentList.Add(CliRunner.CliDll);
        foreach (var a in new[] { "train", "--arch", "vgg11-bn:w=1/16", "--epochs", "500", "--lr-steps", "", "--out", outDir }.Concat(Data)) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var started = new TaskCompletionSource();
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            if (e.Data.StartsWith("Training", StringComparison.Ordinal)) started.TrySetResult();
        };
        process.BeginOutputReadLine();
        try
        {
            await started.Task.WaitAsync(TimeSpan.FromMinutes(10)); // guards against a hang only
            await Task.Delay(500);
            using (var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10)); // guards against a hang only
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        Assert.NotEqual(0, process.ExitCode);
        var stderr = await error;
        var hint = stderr.Split('\n').Select(l => l.Trim()).SingleOrDefault(l => l.StartsWith("interrupted. To continue, run: ", StringComparison.Ordinal));
        Assert.True(hint is not null, "no resume hint on stderr: " + stderr);
        var words = Apc.Util.CommandLine.Split(hint["interrupted. To continue, run: ".Length..]);
        Assert.Equal(new[] { "apc", "train", "--arch", "vgg11-bn:w=1/16", "--epochs", "500", "--lr-steps", "", "--out", outDir }.Concat(Data).Append("--resume"), words);
        ApcApp.Check(words.Skip(1).ToArray());
    }

    [Fact]
    public void CountsTakeTheRightNumber()
    {
        Assert.Equal("1 epoch", Plural.Of(1, "epoch"));
        Assert.Equal("2 epochs", Plural.Of(2, "epoch"));
        Assert.Equal("0 single heatmaps", Plural.Of(0, "single heatmap"));
        Assert.Equal("1,000 images", Plural.Of(1000, "image"));
    }

    [Fact]
    public void InfoAsJsonIsOneDocumentOnStdoutAndTablesDoNotWrapInAPipe()
    {
        using var dir = new TempFolder();
        var folder = dir.File(new string('d', 50));
        Directory.CreateDirectory(folder);
        var path = Checkpoint(Path.Combine(folder, "a-checkpoint-with-a-long-name-" + new string('x', 20) + ".ckpt"));
        Assert.True(path.Length > 100, path);
        var (code, output, error) = Child("info", path, "--format", "json");
        Assert.True(code == 0, error);
        var json = JsonNode.Parse(output)!; // the whole of stdout is one JSON document
        Assert.Equal("vgg11-bn:w=1/16", json["arch"]!.GetValue<string>());
        Assert.Equal(new FileInfo(path).Length, json["size_bytes"]!.GetValue<long>());

        // The table's title is the path: in a pipe it stays whole on one line instead of breaking at 80 columns.
        (code, output, error) = Child("info", path);
        Assert.True(code == 0, error);
        Assert.Contains(output.Split('\n'), line => line.Contains(path, StringComparison.Ordinal));
        Assert.True(File.Exists(path));
        (code, _, error) = Child("info", path, "--format", "yaml");
        Assert.Equal(2, code);
        Assert.Contains("--format 'yaml': expected table or json", error);
    }

    [Fact]
    public void EvaluateAndCompressAsJsonPrintWhatTheirFilesHold()
    {
        using var dir = new TempFolder();
        var model = Checkpoint(dir.File("m.ckpt"));
        var (code, output, error) = Child(new[] { "evaluate", "--model", model, "--methods", "gcam,ebp", "--format", "json", "--out", dir.File("eval") }.Concat(Data).ToArray());
        Assert.True(code == 0, error);
        var printed = JsonNode.Parse(output)!;
        var written = JsonNode.Parse(File.ReadAllText(dir.File("eval/evaluation.json")))!;
        Assert.True(JsonNode.DeepEquals(written, printed), "stdout is evaluation.json's content");
        // The aliases were resolved: the file names each method by the registry's name.
        Assert.Equal(new[] { "excitation-backprop", "gradcam" }, printed["attribution"]!.AsObject().Select(kv => kv.Key).Order());

        (code, output, error) = Child(new[] { "compress", "quantize", "--teacher", model, "--no-qat", "--calibration-images", "16", "--match", "none",
            "--format", "json", "--out", dir.File("ptq") }.Concat(Data).ToArray());
        Assert.True(code == 0, error);
        printed = JsonNode.Parse(output)!;
        written = JsonNode.Parse(File.ReadAllText(dir.File("ptq/metrics.json")))!;
        Assert.True(JsonNode.DeepEquals(written, printed), "stdout is metrics.json's content");
        Assert.Equal("quantize", printed["method"]!.GetValue<string>());
        Assert.Contains("Compressed model", error); // the human lines went to stderr
    }

    [Fact]
    public void SavedMapsReadBackAsTheImagesTargetsAndMapsOfThePicture()
    {
        using var dir = new TempFolder();
        var model = Checkpoint(dir.File("m.ckpt"));
        var mapsPath = dir.File("maps.safetensors");
        var (code, error) = CliRunner.Run(new[] { "explain", "--model", model, "--reference", model, "--index", "2,0,5", "--methods", "gcam,lrp",
            "--save-maps", mapsPath, "--out", dir.File("explain") }.Concat(Data).ToArray());
        Assert.True(code == 0, error);
        var tensors = ExplainMaps.Load(mapsPath);
        try
        {
            Assert.Equal(new[] { "images", "indices", "logits.model", "logits.reference", "maps.model.gradcam", "maps.model.lrp",
                "maps.reference.gradcam", "maps.reference.lrp", "targets" }, tensors.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(new long[] { 2, 0, 5 }, tensors["indices"].data<long>().ToArray());
            // The targets are the classes the picture's panels explain (explain.json).
            var panels = JsonNode.Parse(File.ReadAllText(dir.File("explain/explain.json")))!["panels"]!.AsArray();
            var splits = DatasetFactory.Open(new DataOptions { TrainSize = 32, ValSize = 16, ImageSize = 32 });
            var data = splits.Val.HasMasks || splits.Test is null ? splits.Val : splits.Test;
            var expectedTargets = new[] { 2, 0, 5 }.Select(i => (long)data.ClassNames.ToList().IndexOf(
                panels.First(p => p!["image"]!.GetValue<string>() == i.ToString())!["class"]!.GetValue<string>())).ToArray();
            Assert.Equal(expectedTargets, tensors["targets"].data<long>().ToArray());
            // Images, logits and maps are what the data set and the methods give, recomputed here independently.
            using var batch = data.GetBatch(new[] { 2, 0, 5 }, augment: false);
            TensorAssert.Same(batch.Images, tensors["images"], "images");
            using var checkpoint = ModelCheckpoint.Load(model);
            checkpoint.Model.eval();
            using (TorchSharp.torch.no_grad()) TensorAssert.Same(checkpoint.Model.call(batch.Images), tensors["logits.model"], "logits");
            var gradcam = Apc.Attribution.AttributionMethods.Create("gradcam", new Apc.Attribution.AttributionOptions { Normalization = data.Normalization });
            using var targets = TorchSharp.torch.tensor(expectedTargets);
            TensorAssert.Same(gradcam.Attribute(checkpoint.Model, batch.Images, targets), tensors["maps.model.gradcam"], "gradcam maps");
            Assert.Equal(new long[] { 3, 32, 32 }, tensors["maps.reference.lrp"].shape);
        }
        finally { foreach (var t in tensors.Values) t.Dispose(); }
        (code, error) = CliRunner.Run("explain", "--model", model, "--save-maps", dir.File("maps.npz"));
        Assert.Equal(2, code);
        Assert.Contains("must end in .safetensors", error);
    }

    /// <summary>--save-maps replaces only what explain wrote: its own maps file again (a rerun), but not another
    /// .safetensors file (model weights, say) unless --force; a subfolder of --out is a usage error before any work; and a
    /// refused explain writes no maps file.</summary>
    [Fact]
    public void SaveMapsReplacesOnlyItsOwnFile()
    {
        using var dir = new TempFolder();
        var model = Checkpoint(dir.File("m.ckpt"));
        string[] Explain(string maps, string @out, params string[] more) =>
            new[] { "explain", "--model", model, "--index", "0", "--methods", "gradcam", "--save-maps", maps, "--out", @out }.Concat(more).Concat(Data).ToArray();
        var (code, error) = CliRunner.Run(Explain(dir.File("maps.safetensors"), dir.File("a")));
        Assert.True(code == 0, error);
        Assert.True(ExplainMaps.WrittenByExplain(dir.File("maps.safetensors")));
        (code, error) = CliRunner.Run(Explain(dir.File("maps.safetensors"), dir.File("a"))); // a rerun replaces its own file
        Assert.True(code == 0, error);

        // A user's weights file under that name: refused, untouched; --force replaces it.
        var weights = new Dictionary<string, TorchSharp.torch.Tensor> { ["conv1.weight"] = TorchSharp.torch.ones(2, 2) };
        using (var stream = File.Create(dir.File("weights.safetensors"))) TorchSharp.PyBridge.Safetensors.SaveStateDict(stream, weights);
        var before = File.ReadAllBytes(dir.File("weights.safetensors"));
        Assert.False(ExplainMaps.WrittenByExplain(dir.File("weights.safetensors")));
        (code, error) = CliRunner.Run(Explain(dir.File("weights.safetensors"), dir.File("b")));
        Assert.Equal(1, code);
        Assert.Contains("--save-maps '" + dir.File("weights.safetensors") + "' exists and is not a maps file written by apc explain", error);
        Assert.Equal(before, File.ReadAllBytes(dir.File("weights.safetensors")));
        Assert.False(Directory.Exists(dir.File("b")));
        (code, error) = CliRunner.Run(Explain(dir.File("weights.safetensors"), dir.File("b"), "--force"));
        Assert.True(code == 0, error);
        Assert.True(ExplainMaps.WrittenByExplain(dir.File("weights.safetensors")));

        // A subfolder of --out: refused before any work, nothing created.
        (code, error) = CliRunner.Run(Explain(dir.File("c/sub/m.safetensors"), dir.File("c")));
        Assert.Equal(2, code);
        Assert.Contains("subfolder of --out", error);
        Assert.False(Directory.Exists(dir.File("c")));

        // An explain refused for its --out (another command's folder) leaves the maps file unwritten.
        Directory.CreateDirectory(dir.File("d"));
        File.Copy(dir.File("a/fingerprint.json"), dir.File("d/fingerprint.json"));
        File.WriteAllText(dir.File("d/fingerprint.json"), File.ReadAllText(dir.File("d/fingerprint.json")).Replace("\"explain\"", "\"evaluate\""));
        (code, error) = CliRunner.Run(Explain(dir.File("new.safetensors"), dir.File("d")));
        Assert.Equal(1, code);
        Assert.Contains("apc evaluate", error);
        Assert.False(File.Exists(dir.File("new.safetensors")));
    }

    [Fact]
    public void DemoTakesTheDataRoot()
    {
        using var dir = new TempFolder();
        // A child process: the stage's own error line goes to the process's stderr, before the experiment's.
        var (code, _, error) = Child("demo", "--quick", "--data-root", dir.File("no-fashion-mnist-here"), "--out", dir.File("demo"));
        Assert.Equal(1, code);
        Assert.Contains("Fashion-MNIST folder '" + dir.File("no-fashion-mnist-here") + "': folder not found", error);
    }
}
