using System.Text.Json;
using System.Text.Json.Serialization;
using Apc.Checkpoints;

namespace Apc.Cli.Experiments;

/// <summary>An experiment plan as written in its JSON file (documented in docs/experiments.md): a data set, a
/// teacher (trained or given), compression methods crossed with matchers, attribution methods to evaluate,
/// seeds.</summary>
public sealed record ExperimentConfig
{
    public string Name { get; init; } = "experiment";
    public DataSection Data { get; init; } = new();
    public TeacherSection Teacher { get; init; } = new();
    public IReadOnlyList<CompressionSection> Compressions { get; init; } = Array.Empty<CompressionSection>();
    /// <summary>Matchers every compression runs with: none, at, wcam, wcam:drop=0.3 (optionally :weight=B).</summary>
    public IReadOnlyList<string> Matchers { get; init; } = new[] { "none", "at", "wcam", "wcam:drop=0.3" };
    /// <summary>Layers every matcher (other than none) matches at, as apc compress --match-layers; null = the model's
    /// default (the last max-pool). Small inputs make the last pool tiny (2×2 at 64 px); an architecture with
    /// :skip-pools=4 gives it the reference's geometry (4×4 at 64 px).</summary>
    public string? MatchLayers { get; init; }
    /// <summary>β for every matcher other than none (apc compress --match-weight); null = the reference's 100.</summary>
    public double? MatchWeight { get; init; }
    public EvaluationSection Evaluation { get; init; } = new();
    /// <summary>Paired differences beyond the built-in ones (WCAM − naive, WCAM − AT, stochastic WCAM − naive, each within one
    /// compression): any two runs of the plan, e.g. WCAM against a control compressed another way
    /// (<c>{"model": "structured/wcam", "baseline": "structured-kd/none", "title": "WCAM − logit KD"}</c>).</summary>
    public IReadOnlyList<ComparisonSection> Comparisons { get; init; } = Array.Empty<ComparisonSection>();
    public IReadOnlyList<int> Seeds { get; init; } = new[] { 0 };
    /// <summary>Export every model (teacher included) to ONNX and evaluate the exported file in ONNX Runtime; null = no
    /// deployment stages.</summary>
    public DeploymentSection? Deployment { get; init; }

    /// <summary>What the runner does with each model after compression: <c>apc export --time</c> into the run's
    /// deployed/ folder, then <c>apc evaluate</c> of the .onnx file against the teacher checkpoint with the perturbation
    /// <see cref="Methods"/> (the only attribution that runs in ONNX Runtime) on <see cref="Images"/> images of the
    /// evaluated split. Occlusion costs ((size − patch)/stride + 1)² forward passes per image and class.</summary>
    public sealed record DeploymentSection
    {
        public int Images { get; init; } = 32;
        public IReadOnlyList<string> Methods { get; init; } = new[] { "occlusion" };
        /// <summary>Occlusion patch side and stride, pixels.</summary>
        public int Patch { get; init; } = 16;
        public int Stride { get; init; } = 8;
    }

    public sealed record DataSection
    {
        public string Dataset { get; init; } = "fashion-scenes";
        public string? DataRoot { get; init; }
        public int? TrainSize { get; init; }
        public int? ValSize { get; init; }
        public int? ImageSize { get; init; }
        public int BatchSize { get; init; } = 64;
    }

    /// <summary>Either <see cref="Checkpoint"/> (use it as is) or training options passed to apc train.</summary>
    public sealed record TeacherSection
    {
        public string? Checkpoint { get; init; }
        public string Arch { get; init; } = "vgg16-bn:w=1/4";
        public int Epochs { get; init; } = 12;
        public double Lr { get; init; } = 0.05;
        public string LrSteps { get; init; } = "8,11";
        /// <summary>Training scenes for the teacher; null: the plan's data.train_size.</summary>
        public int? TrainSize { get; init; }
    }

    /// <summary>One compression method with its apc compress options (e.g. ["--student", "vgg16-bn:w=1/16"]).</summary>
    public sealed record CompressionSection
    {
        public string Method { get; init; } = "kd";
        public string? Label { get; init; }
        public IReadOnlyList<string> Options { get; init; } = Array.Empty<string>();
        /// <summary>β of this compression's matchers, overriding the plan's <see cref="ExperimentConfig.MatchWeight"/>
        /// (a matcher's own ":weight=" still wins); null = the plan's.</summary>
        public double? MatchWeight { get; init; }
        /// <summary>The matchers this compression runs with, instead of the plan's <see cref="ExperimentConfig.Matchers"/>
        /// (a control such as logit distillation without matching runs with ["none"] only); null = the plan's.</summary>
        public IReadOnlyList<string>? Matchers { get; init; }
        public string Name => Label ?? Method;
    }

    /// <summary>One extra paired difference: <see cref="Model"/> − <see cref="Baseline"/>, each "compression/matcher"
    /// (the compression's label or method, then one of its matchers), over the seeds both ran. <see cref="Title"/> names
    /// it in tables (default "WCAM − structured-kd naive").</summary>
    public sealed record ComparisonSection
    {
        public string Model { get; init; } = "";
        public string Baseline { get; init; } = "";
        public string? Title { get; init; }

        /// <summary>"structured/wcam" → ("structured", "wcam").</summary>
        public static (string Compression, string Matcher) Split(string run)
        {
            int slash = run.IndexOf('/');
            return slash <= 0 || slash == run.Length - 1 ? ("", "") : (run[..slash], run[(slash + 1)..]);
        }
    }

    /// <summary>The matchers <paramref name="compression"/> runs with: its own list, else the plan's.</summary>
    public IReadOnlyList<string> MatchersOf(CompressionSection compression) => compression.Matchers ?? Matchers;

    /// <summary>Every matcher some compression runs with: the plan's in its order, then compressions' own.</summary>
    [JsonIgnore] public IReadOnlyList<string> AllMatchers =>
        Matchers.Concat(Compressions.SelectMany(MatchersOf)).Distinct().Where(m => Compressions.Any(c => MatchersOf(c).Contains(m))).ToList();

    public sealed record EvaluationSection
    {
        public IReadOnlyList<string> Methods { get; init; } = new[] { "gradcam", "lrp", "excitation-backprop", "rap" };
        /// <summary>The split the models are evaluated on: "val" (the split checkpoints are selected on) or "test" (held
        /// out from training and selection, so the reported numbers are not biased by choosing the best epoch).</summary>
        public string Split { get; init; } = "val";
        /// <summary>Images evaluated, taken from <see cref="Split"/> (the JSON name predates the split choice); null = the
        /// data section's val_size for "val", the data set's default for "test".</summary>
        public int? ValSize { get; init; }
        /// <summary>True when the evaluation reads the held-out test split.</summary>
        [JsonIgnore] public bool OnTestSplit => string.Equals(Split, "test", StringComparison.OrdinalIgnoreCase);
        /// <summary>One sentence for reports: which split the numbers come from.</summary>
        [JsonIgnore] public string SplitSentence => OnTestSplit
            ? "Evaluated on the held-out test split; every checkpoint (best epoch) was selected on the validation split."
            : "Evaluated on the validation split, the one each checkpoint's best epoch was selected on (selection can flatter these numbers).";
        /// <summary>Images of the evaluated split shown in the report's heatmap grid.</summary>
        public IReadOnlyList<int> Examples { get; init; } = new[] { 0, 1, 2, 3 };
    }

    public static ExperimentConfig Load(string path)
    {
        Util.InputPath.RequireFile(path, "experiment config", "a JSON plan file");
        try
        {
            var config = JsonSerializer.Deserialize<ExperimentConfig>(File.ReadAllText(path), Options)
                         ?? throw new ApcException($"experiment config '{path}': empty.");
            return config.Validated(path);
        }
        catch (JsonException e)
        {
            throw new ApcException($"experiment config '{path}': {Explain(e)}.");
        }
    }

    /// <summary>A JSON error in the plan's own words: an unknown key with the keys its section takes, a value of the wrong
    /// type with the type expected, each at its place ("$.comparisons[0]"); otherwise the parser's message.</summary>
    static string Explain(JsonException e)
    {
        var where = e.Path is { Length: > 0 } p ? p : "$";
        var unknown = System.Text.RegularExpressions.Regex.Match(e.Message, @"The JSON property '(?<key>[^']*)' could not be mapped to any \.NET member contained in type '(?<type>[^']*)'");
        if (unknown.Success && typeof(ExperimentConfig).Assembly.GetType(unknown.Groups["type"].Value) is { } type)
        {
            var keys = type.GetProperties().Where(pr => pr.CanWrite && !Attribute.IsDefined(pr, typeof(JsonIgnoreAttribute)))
                .Select(pr => Options.PropertyNamingPolicy?.ConvertName(pr.Name) ?? pr.Name);
            var section = where.EndsWith("." + unknown.Groups["key"].Value, StringComparison.Ordinal) ? where[..^(unknown.Groups["key"].Value.Length + 1)] : where;
            return $"unknown key '{unknown.Groups["key"].Value}' in {section} (keys there: {string.Join(", ", keys)})";
        }
        var wrongType = System.Text.RegularExpressions.Regex.Match(e.Message, @"could not be converted to (?<type>[^ .]+(\.[^ .]+)*)\.");
        if (wrongType.Success)
        {
            var t = wrongType.Groups["type"].Value;
            string expected = t.Contains("IReadOnlyList", StringComparison.Ordinal)
                ? t.Contains("System.String", StringComparison.Ordinal) ? "a list of strings" : t.Contains("System.Int32", StringComparison.Ordinal) ? "a list of integers" : "a list"
                : t.Contains("System.Int32", StringComparison.Ordinal) ? "an integer" : t.Contains("System.Double", StringComparison.Ordinal) ? "a number"
                : t.Contains("System.String", StringComparison.Ordinal) ? "a string" : t.Contains("System.Boolean", StringComparison.Ordinal) ? "true or false" : "an object";
            return $"{where} has the wrong type: expected {expected}";
        }
        return $"invalid JSON ({Util.JsonErrors.Describe(e)})";
    }

    /// <summary>Same as <see cref="Validate"/> (the name older callers use).</summary>
    public ExperimentConfig Validated(string source) => Validate(source);

    /// <summary>The plan key that gives <paramref name="option"/> of <paramref name="stage"/>'s command line, for a message
    /// (a plan says <c>"lr_steps"</c> in the teacher section where the stage says <c>--lr-steps</c>): "teacher.lr_steps",
    /// "data.train_size", "evaluation.methods", "deployment.images", ... Null where a compression's "options" list gives
    /// the option (it is written there as the command-line option) or the option is not one a plan key sets.</summary>
    internal string? PlanKeyOf(string option, ExperimentStage stage)
    {
        if (option.Length == 0 || stage.Arguments.Length == 0) return null;
        bool deployed = stage.Id.EndsWith("-deployed-eval", StringComparison.Ordinal);
        string verb = stage.Arguments[0];
        if (verb == "compress" && Compressions.Any(c => c.Options.Contains(option))) return null;
        return (verb, option) switch
        {
            ("train", "--arch") => "teacher.arch",
            ("train", "--epochs") => "teacher.epochs",
            ("train", "--lr") => "teacher.lr",
            ("train", "--lr-steps") => "teacher.lr_steps",
            ("train", "--train-size") when Teacher.TrainSize is not null => "teacher.train_size",
            ("evaluate", "--methods") => deployed ? "deployment.methods" : "evaluation.methods",
            ("evaluate", "--test-size") => deployed ? "deployment.images" : "evaluation.val_size",
            ("evaluate", "--val-size") when deployed && !Evaluation.OnTestSplit => "deployment.images",
            ("evaluate", "--val-size") when !Evaluation.OnTestSplit && Evaluation.ValSize is not null => "evaluation.val_size",
            ("evaluate", "--patch") => "deployment.patch",
            ("evaluate", "--stride") => "deployment.stride",
            ("compress", "--match-layers") => "match_layers",
            ("compress", "--match-weight") => Compressions.Any(c => c.MatchWeight is not null) ? "match_weight (or a compression's match_weight)" : "match_weight",
            (_, "--dataset") => "data.dataset",
            (_, "--data-root") => "data.data_root",
            (_, "--train-size") => "data.train_size",
            (_, "--val-size") => "data.val_size",
            (_, "--image-size") => "data.image_size",
            (_, "--batch-size") => "data.batch_size",
            _ => null,
        };
    }

    /// <summary>A stage's command line as the plan makes it, for a message: without --device and --threads, which the
    /// check fills with stand-ins (cpu, 0) and the run with what `apc experiment` is given.</summary>
    static IEnumerable<string> PlanArguments(IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] is "--device" or "--threads" && i + 1 < args.Count) { i++; continue; }
            yield return args[i];
        }
    }

    /// <summary>Checks the whole plan before any stage runs, so that a typo fails at once and not after the teacher
    /// trained: lists, seeds, labels (plain folder names), evaluation examples, and every stage's command line
    /// (teacher training, each compression with each matcher, each evaluation) parsed and checked exactly as the stage
    /// will run it (<see cref="ApcApp.Check"/>). Throws an <see cref="ApcException"/> (exit 1: the file is wrong) that
    /// starts with "experiment config '<paramref name="source"/>'".</summary>
    public ExperimentConfig Validate(string source)
    {
        ApcException Bad(string why) => new($"experiment config '{source}': {why}");
        if (Data is null || Teacher is null || Evaluation is null || Compressions is null || Matchers is null || Seeds is null)
            throw Bad("a section is null; leave it out to get the defaults.");
        if (Compressions.Count == 0) throw Bad("'compressions' is empty.");
        if (Seeds.Count == 0) throw Bad("'seeds' is empty.");
        if (Seeds.FirstOrDefault(s => s < 0) is var negative and < 0) throw Bad($"'seeds' holds {negative}; seeds are non-negative integers.");
        if (Seeds.GroupBy(s => s).FirstOrDefault(g => g.Count() > 1) is { } seed)
            throw Bad($"seed {seed.Key} is listed more than once in 'seeds'; each seed is one run.");
        if (Matchers.Count == 0) throw Bad("'matchers' is empty; use [\"none\"] for compression without attribution matching.");
        if (Matchers.GroupBy(m => m).FirstOrDefault(g => g.Count() > 1) is { } matcher)
            throw Bad($"matcher '{matcher.Key}' is listed more than once in 'matchers'.");
        if (Evaluation.Methods is null || Evaluation.Methods.Count == 0) throw Bad("'evaluation.methods' is empty.");
        try
        {
            // results.json and the tables key each method by the registry's name, which the evaluations write.
            if (Evaluation.Methods.FirstOrDefault(m => Commands.MethodNames.Canonical(m) != m) is { } alias)
                throw Bad($"'evaluation.methods' holds '{alias}'; write '{Commands.MethodNames.Canonical(alias)}', the name the evaluations write.");
            foreach (var m in Evaluation.Methods) Attribution.AttributionMethods.Create(m);
            foreach (var m in Matchers) MatcherArgs(m);
            foreach (var c in Compressions)
                if (c?.Matchers is { } own)
                    foreach (var m in own) MatcherArgs(m);
        }
        catch (UsageException e) { throw Bad(e.Message); }
        foreach (var c in Compressions)
        {
            if (c is null || string.IsNullOrWhiteSpace(c.Method)) throw Bad("a compression has no 'method'.");
            RequirePlainName(c.Name, c.Label is null ? "compression method" : "compression label", Bad);
            if (c.Matchers is { Count: 0 }) throw Bad($"compression '{c.Name}' has an empty 'matchers'; leave it out to run the plan's matchers.");
            if (c.Matchers?.GroupBy(m => m).FirstOrDefault(g => g.Count() > 1) is { } twice)
                throw Bad($"compression '{c.Name}' lists matcher '{twice.Key}' more than once.");
            foreach (var m in MatchersOf(c)) RequirePlainName($"{c.Name}-{MatcherLabel(m)}", $"run folder of '{c.Name}' with matcher '{m}'", Bad);
        }
        var names = Compressions.Select(c => c.Name).ToList();
        if (names.Distinct().Count() != names.Count) throw Bad("compression labels must be unique.");
        if (Evaluation.Examples is null) throw Bad("'evaluation.examples' is null.");
        if (Evaluation.Examples.FirstOrDefault(i => i < 0) is var before and < 0) throw Bad($"'evaluation.examples' holds {before}; indices start at 0.");
        if (Evaluation.Split is not ("val" or "test")) throw Bad($"'evaluation.split' is '{Evaluation.Split}'; expected \"val\" or \"test\".");
        // The evaluated split's size when the plan fixes it (fashion-scenes defaults to 1,000; a VOC folder's is unknown here).
        int? valSize = Evaluation.ValSize ?? (Evaluation.OnTestSplit ? null : Data.ValSize) ?? (Data.Dataset == "fashion-scenes" ? 1000 : null);
        if (valSize is { } n && Evaluation.Examples.FirstOrDefault(i => i >= n) is var past and > 0)
            throw Bad($"'evaluation.examples' holds {past}, past the end of the {Util.Plural.Of(n, Evaluation.Split + " image")} evaluated (indices 0 to {n - 1}).");
        if (Teacher.Checkpoint is { } given) Util.InputPath.RequireFile(given, $"experiment config '{source}': teacher checkpoint", "a checkpoint file");

        // Every stage's command line, parsed and checked as the stage will run it (nothing runs, nothing is written).
        // Built under a stand-in output folder, which a message shows as OUT (the folder --out will give).
        string standIn = Path.Combine(Path.GetTempPath(), "apc-plan-check");
        var (stages, _) = ExperimentPlan.Build(this, standIn, "cpu", 0);
        foreach (var stage in stages)
        {
            var args = stage.Arguments;
            try { ApcApp.Check(args); }
            catch (Exception e) when (e is ApcException or Spectre.Console.Cli.CommandAppException)
            {
                var option = System.Text.RegularExpressions.Regex.Match(e.Message, "--[a-z][a-z0-9-]*").Value;
                var key = PlanKeyOf(option, stage);
                throw Bad($"stage '{stage.Label}' would fail: {e.Message.TrimEnd('.').Replace(standIn, "OUT")} ({(key is null ? "" : $"{option} is the plan's {key}; ")}in: apc {string.Join(' ', PlanArguments(args)).Replace(standIn, "OUT")}).");
            }
        }
        // After the stages: a misspelled method or matcher is named as such, not as a comparison that cannot find it.
        if (Comparisons is null) throw Bad("'comparisons' is null; leave it out for none.");
        foreach (var cmp in Comparisons)
        {
            if (cmp is null) throw Bad("a comparison is null.");
            foreach (var (what, run) in new[] { ("model", cmp.Model), ("baseline", cmp.Baseline) })
            {
                var (compression, runMatcher) = ComparisonSection.Split(run ?? "");
                var section = Compressions.FirstOrDefault(c => c.Name == compression);
                if (section is null)
                    throw Bad($"comparison {what} '{run}' must be \"compression/matcher\" with a compression of the plan ({string.Join(", ", names)}).");
                if (!MatchersOf(section).Contains(runMatcher))
                    throw Bad($"comparison {what} '{run}': compression '{compression}' does not run with matcher '{runMatcher}' (it runs {string.Join(", ", MatchersOf(section))}).");
            }
            if (cmp.Model == cmp.Baseline) throw Bad($"comparison '{cmp.Model}' compares a run with itself.");
        }
        return this;
    }

    /// <summary>A label becomes a folder under --out: letters, digits, '.', '_', '+', '-', not starting with '.', so that
    /// "../../x" or "a/b" cannot write outside the experiment's folder.</summary>
    static void RequirePlainName(string name, string what, Func<string, ApcException> bad)
    {
        bool plain = name.Length is > 0 and <= 100 && name[0] != '.' && name != "teacher"
                     && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '+' or '-');
        if (!plain)
            throw bad($"{what} '{name}' is not a plain name (letters, digits, '.', '_', '+', '-'; not starting with '.'); it names a folder under --out.");
    }

    /// <summary>"wcam:drop=0.3:weight=50" → apc compress options. A layers= value lists layers joined by '+' (or ','), each
    /// with an optional weight after ':' as --match-layers takes it: "wcam:layers=pool5:1+relu5_3:0.5:weight=10" gives
    /// --match-layers pool5:1,relu5_3:0.5 --match-weight 10 (a part without '=' after layers= continues its value).</summary>
    public static string[] MatcherArgs(string matcher)
    {
        var parts = new List<string>();
        foreach (var part in matcher.Split(':', StringSplitOptions.TrimEntries))
        {
            if (parts.Count > 1 && !part.Contains('=') && parts[^1].StartsWith("layers=", StringComparison.Ordinal)) parts[^1] += ":" + part;
            else parts.Add(part);
        }
        var args = new List<string> { "--match", parts[0] };
        foreach (var option in parts.Skip(1))
        {
            var kv = option.Split('=', 2);
            if (kv.Length != 2 || kv[0] is not ("drop" or "weight" or "layers" or "classes"))
                throw new UsageException($"matcher '{matcher}': option '{option}' must be drop=P, weight=B, layers=L or classes=C.");
            args.Add(kv[0] switch { "weight" => "--match-weight", "layers" => "--match-layers", "classes" => "--match-classes", _ => "--drop" });
            args.Add(kv[0] == "layers" ? kv[1].Replace('+', ',') : kv[1]);
        }
        return args.ToArray();
    }

    /// <summary>Short label for tables and folders: none, at, wcam, wcam-drop0.3.</summary>
    public static string MatcherLabel(string matcher) =>
        matcher.Replace(":drop=", "-drop").Replace(":weight=", "-b").Replace(":", "-").Replace("=", "").Replace(",", "+");

    public static readonly JsonSerializerOptions Options = new(CheckpointFile.Json)
    {
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}
