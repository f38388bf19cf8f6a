using System.Globalization;
using Apc.Cli.Commands;
using Apc.Cli.Settings;
using Apc.Cli.Terminal;
using Apc.Util;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Apc.Cli;

/// <summary>The command-line application: verbs, and the one place where errors become exit codes.
/// Exit 0 success, 1 runtime error (bad file, diverged training), 2 usage error. One line per error;
/// a stack trace only with --verbose.</summary>
public static class ApcApp
{
    public static int Run(string[] args, TextWriter? error = null)
    {
        bool verbose = args.Contains("--verbose") || args.Contains("-v");
        // --version is apc's own, so that -v is --verbose everywhere (Spectre's version option also takes -v).
        if (args is ["--version"]) { Console.Out.WriteLine(ToolVersion.Text); return 0; }
        var app = Create();
        var err = error ?? Console.Error;
        ConsoleWidth.Apply(AnsiConsole.Profile, Console.IsOutputRedirected);
        var newOut = OutFolderToCreate(args);
        using var help = TrimmedHelp(args);
        try
        {
            RejectRepeatedOptions(args);
            RenamedOptions.Reject(args);
            using var hint = ResumeHint.WhileRunning(args, err);
            using var tensors = TensorLifetime.CommandScope();
            // "apc compress" alone: its help, then the usage error (Spectre shows the help and exits 1).
            if (args is ["compress"])
            {
                app.Run(["compress", "--help"]);
                throw new UsageException($"apc compress needs a compression method ({string.Join(", ", CompressStages.Methods)} or {CompressStages.Pipeline}), e.g. apc compress structured --help.");
            }
            return app.Run(args);
        }
        catch (Exception e)
        {
            var (code, message) = Classify(e);
            if (e is CommandAppException) message = ParserMessage(message, args);
            RemoveIfCreatedEmpty(newOut);
            // Plain text, never wrapped: one line that scripts and logs can grep.
            err.WriteLine($"error: {ApcException.OneLine(message)}");
            if (verbose) err.WriteLine(e.ToString());
            return code;
        }
    }

    /// <summary>Help printed into a pipe or a file loses the spaces Spectre pads each line with to the console's width
    /// (see <see cref="TrimmedLinesWriter"/>): while the returned scope lives, <see cref="AnsiConsole.Console"/> writes
    /// through one. Null (nothing changed) on a terminal and for anything but a help request.</summary>
    static IDisposable? TrimmedHelp(string[] args)
    {
        bool helpRequest = args.Length == 0 || args is ["compress"] || args.Contains("--help") || args.Contains("-h");
        if (!helpRequest || !Console.IsOutputRedirected) return null;
        var previous = AnsiConsole.Console;
        var writer = new TrimmedLinesWriter(Console.Out);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = previous.Profile.Capabilities.Ansi ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = (ColorSystemSupport)previous.Profile.Capabilities.ColorSystem,
        });
        console.Profile.Width = previous.Profile.Width;
        AnsiConsole.Console = console;
        return new Restore(() => { writer.Flush(); AnsiConsole.Console = previous; });
    }

    sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    /// <summary>The --out folder of <paramref name="args"/> when it does not exist yet (a failed command removes it again if
    /// it is still empty), else null. A --out that names a file (apc export's model.onnx) is left alone.</summary>
    static string? OutFolderToCreate(string[] args)
    {
        int i = Array.IndexOf(args, "--out");
        var path = i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        if (string.IsNullOrWhiteSpace(path) || path.StartsWith("--", StringComparison.Ordinal)) return null;
        try { return Directory.Exists(path) || File.Exists(path) ? null : Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException) { return null; }
    }

    /// <summary>A command that failed leaves no empty --out folder behind that it created itself (a bad option found
    /// after the folder was made); a folder with anything in it stays, for the user to see.</summary>
    static void RemoveIfCreatedEmpty(string? folder)
    {
        try
        {
            if (folder is not null && Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>Parses <paramref name="args"/> exactly as <see cref="Run"/> would and runs the verb's checks that need no
    /// file or data (option values, method names, matcher options), without executing it. Throws the
    /// <see cref="UsageException"/> or <see cref="CommandAppException"/> the real run would throw first.</summary>
    public static void Check(string[] args)
    {
        RejectRepeatedOptions(args);
        RenamedOptions.Reject(args);
        var app = Create(checkOnly: true);
        try { app.Run(args); }
        catch (CheckedOnly) { }
        catch (CommandAppException e) { throw new UsageException(ParserMessage(e.Message, args)); }
    }

    /// <summary>Spectre's parse errors in the user's terms: the option is named (Spectre says "Failed to convert
    /// 'abc' to Int32" without saying where 'abc' came from, and "'__default_command'" for a missing value).</summary>
    public static string ParserMessage(string message, IReadOnlyList<string> args)
    {
        var required = System.Text.RegularExpressions.Regex.Match(message, "^Command '(?<verb>[^']+)' is missing required (?<kind>option|argument) '(?<name>[^']+)'");
        if (required.Success)
        {
            var name = required.Groups["name"].Value;
            var what = required.Groups["kind"].Value == "argument" ? $"the argument {name}" : $"--{name}";
            return $"{string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')))}: {what} is required (see --help).";
        }
        // "apc compress --teacher T": the method is missing, which Spectre reports as an unknown option of compress.
        if (args.Count > 1 && args[0] == "compress" && args[1].StartsWith('-') && args[1] is not ("--help" or "-h")
            && message.StartsWith("Unknown option", StringComparison.Ordinal))
            return $"apc compress needs a compression method first ({string.Join(", ", CompressStages.Methods)} or {CompressStages.Pipeline}), e.g. apc compress structured {string.Join(' ', args.Skip(1))}.";
        // An option left without its value at the end of the line.
        if (message.Contains("'__default_command'", StringComparison.Ordinal))
            return args.Count > 0 && args[^1].StartsWith("--", StringComparison.Ordinal)
                ? $"option {args[^1]} needs a value." : "an option is missing its value.";
        // "--model=" with nothing after '=': Spectre says only "Expected an option value.".
        if (message.StartsWith("Expected an option value", StringComparison.Ordinal)
            && args.FirstOrDefault(a => a.StartsWith("--", StringComparison.Ordinal) && a.EndsWith('=')) is { } bare)
            return $"option {bare[..^1]} needs a value: nothing follows '=' in '{bare}' (an empty value is given as {bare[..^1]} \"\").";
        var unknownCommand = System.Text.RegularExpressions.Regex.Match(message, "^Unknown command '(?<name>[^']+)'");
        if (unknownCommand.Success && args.Count > 1 && args[0] == "compress")
            return $"unknown compression method '{unknownCommand.Groups["name"].Value}'; valid: {string.Join(", ", CompressStages.Methods)}, {CompressStages.Pipeline}.";
        if (unknownCommand.Success)
        {
            var name = unknownCommand.Groups["name"].Value;
            var near = OptionSuggestion.Closest(name, OptionSuggestion.Verbs);
            return $"apc has no command '{name}'; {(near is null ? "" : $"did you mean {near}? ")}apc --help lists them.";
        }
        var unknown = System.Text.RegularExpressions.Regex.Match(message, "^Unknown option '(?<name>[^']+)'");
        if (OptionSuggestion.VerbOf(args) is var (verb, settings))
        {
            // "-epochs" (one dash) is read as the short options -e -p -o …, and "--e" (one letter) as no option at all.
            if ((message.StartsWith("Invalid long option name", StringComparison.Ordinal) || unknown.Success)
                && args.FirstOrDefault(a => (a.Length > 2 && a[0] == '-' && char.IsAsciiLetter(a[1])) || (a.Length == 3 && a.StartsWith("--", StringComparison.Ordinal))) is { } odd)
            {
                string why = odd[1] != '-' ? "long options take two dashes" : "a long option's name has two letters or more";
                return $"'{odd}' is not an option of apc {verb}: {why}{OptionSuggestion.DidYouMean("--" + odd.TrimStart('-').Split('=')[0], settings)}";
            }
            // An option of another compress method names the methods that have it.
            if (unknown.Success && args[0] == "compress"
                && CompressOptionOwners.UnknownOptionMessage(args[1], "--" + unknown.Groups["name"].Value) is { } owned)
                return owned;
            if (unknown.Success)
            {
                string name = unknown.Groups["name"].Value;
                string given = name.Length == 1 && args.Contains("-" + name) ? "-" + name : "--" + name;
                var near = OptionSuggestion.DidYouMean(given, settings);
                return near.Length > 0
                    ? $"apc {verb} has no option {given}{near} (apc {verb} --help lists them)"
                    : $"apc {verb} has no option {given}; apc {verb} --help lists them.";
            }
        }
        var conversion = System.Text.RegularExpressions.Regex.Match(message, "^Failed to convert '(?<value>.*)' to (?<type>[\\w`]+)\\.?$", System.Text.RegularExpressions.RegexOptions.Singleline);
        if (!conversion.Success) return message;
        string value = conversion.Groups["value"].Value;
        string wanted = conversion.Groups["type"].Value switch
        {
            "Int32" or "Int64" or "Int16" => "a whole number",
            "Double" or "Single" or "Decimal" => "a number",
            "Boolean" => "true or false",
            // Every optional value option of apc is an int? or a double?: a value that parses as a number was refused as a
            // fraction for an int?.
            "Nullable`1" => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? "a whole number" : "a number",
            var type => $"a value of type {type}",
        };
        string? option = null;
        for (int i = 0; i < args.Count && option is null; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && args[i].Contains('=') && args[i][(args[i].IndexOf('=') + 1)..] == value)
                option = args[i][..args[i].IndexOf('=')];
            else if (i > 0 && args[i] == value && args[i - 1].StartsWith("--", StringComparison.Ordinal)) option = args[i - 1];
        }
        // A whole number beyond the type's range is a whole number all the same: say that it is too large (or small).
        if (wanted == "a whole number" && System.Numerics.BigInteger.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big))
        {
            var (low, high) = conversion.Groups["type"].Value switch
            {
                "Int64" => ((System.Numerics.BigInteger)long.MinValue, (System.Numerics.BigInteger)long.MaxValue),
                "Int16" => (short.MinValue, short.MaxValue),
                _ => (int.MinValue, int.MaxValue),
            };
            string limit = big > high ? "too large (at most " + high.ToString(CultureInfo.InvariantCulture) + ")"
                : "too small (at least " + low.ToString(CultureInfo.InvariantCulture) + ")";
            return option is null ? $"'{value}' is {limit}." : $"{option}: '{value}' is {limit}.";
        }
        return option is null ? $"'{value}' is not {wanted}." : $"{option}: '{value}' is not {wanted}.";
    }

    /// <summary>Refuses an option given twice, and a long option without a name, before Spectre parses. Spectre keeps the
    /// last of a repeated option silently; "--epochs 2 --epochs 3" is almost always a copy-paste slip, so it is refused
    /// here, once, for every verb.</summary>
    static void RejectRepeatedOptions(string[] args)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var arg in args)
        {
            if (arg == "--") break;
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2) continue;
            var name = arg.Split('=', 2)[0];
            // Spectre's tokenizer fails with an IndexOutOfRangeException on some malformed long options ("--=x", "--:w"):
            // a name is letters, digits and dashes, up to '=' or ':'.
            var bare = arg[2..].Split('=', ':')[0];
            if (bare.Length == 0 || !bare.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
                throw new UsageException($"'{arg}' is not an option: an option is -- and a name of letters, digits and dashes, e.g. --epochs 3.");
            if (!seen.Add(name)) throw new UsageException($"option {name} is given more than once; give it once.");
        }
    }

    static CommandApp Create(bool checkOnly = false)
    {
        DecimalInt32Converter.Register();
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetInterceptor(new SettingsInterceptor(checkOnly));
            config.SetApplicationName("apc");
            config.PropagateExceptions();
            config.Settings.ShowOptionDefaultValues = true;
            config.Settings.StrictParsing = true;
            config.AddCommand<TrainCommand>("train")
                .WithDescription("Train a multi-label CNN classifier (the teacher) and keep the best-on-validation checkpoint.")
                .WithExample("train")
                .WithExample("train", "--arch", "vgg16-bn:w=1/4", "--epochs", "12", "--out", "runs/teacher");
            config.AddCommand<InfoCommand>("info")
                .WithDescription("Show what a checkpoint holds: architecture, parameters, multiply-accumulates, classes, metrics.")
                .WithExample("info", "runs/teacher/model.ckpt");
            config.AddCommand<ImportCommand>("import")
                .WithDescription("Import a PyTorch state_dict (torchvision VGG-BN / ResNet key names) as an apc checkpoint.")
                .WithExample("import", "--pytorch", "teacher.pt", "--arch", "vgg16-bn", "--image-size", "227", "--out", "teacher.ckpt");
            CommandRegistry.AddMore(config);
        });
        return app;
    }

    /// <summary>Stops a <see cref="Check"/> run after parsing and the verb's own early checks.</summary>
    sealed class CheckedOnly : Exception;

    /// <summary>Runs after parsing, before a verb executes: refuses a text option left without its value, and in a
    /// <see cref="Check"/> run stops after the verb's early checks.</summary>
    sealed class SettingsInterceptor(bool checkOnly) : ICommandInterceptor
    {
        public void Intercept(CommandContext context, CommandSettings settings)
        {
            RejectMissingTextValues(settings);
            if (!checkOnly) return;
            EarlyChecks.Run(context, settings);
            throw new CheckedOnly();
        }
    }

    /// <summary>Spectre gives a text option written last without its value ("apc train --out") the value
    /// "__default_command" instead of an error, so "apc train --out" trained into a folder of that name. Refused here.</summary>
    static void RejectMissingTextValues(CommandSettings settings)
    {
        foreach (var property in settings.GetType().GetProperties())
            if (property.PropertyType == typeof(string) && property.GetValue(settings) is "__default_command"
                && property.GetCustomAttributes(typeof(CommandOptionAttribute), true).FirstOrDefault() is CommandOptionAttribute option)
                throw new UsageException($"option {option.LongNames.Select(n => "--" + n).FirstOrDefault() ?? property.Name} needs a value.");
    }

    static (int Code, string Message) Classify(Exception e) => e switch
    {
        UsageException u => (2, u.Message),
        CommandAppException c => (2, c.Message),
        ApcException a => (1, a.Message),
        AggregateException { InnerExceptions.Count: 1 } ag => Classify(ag.InnerExceptions[0]),
        OutOfMemoryException => (1, "out of memory; try a smaller --batch-size."),
        _ => (1, $"internal error ({e.GetType().Name}): {e.Message} (run with --verbose for details)"),
    };
}
