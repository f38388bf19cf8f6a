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
    public IReadOnlyList<int> Seeds { get; init; } = new[] { 0 };

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
        public string Name => Label ?? Method;
    }

    public sealed record EvaluationSection
    {
        public IReadOnlyList<string> Methods { get; init; } = new[] { "gradcam", "lrp", "excitation-backprop", "rap" };
        public int? ValSize { get; init; }
        /// <summary>Validation images shown in the report's heatmap grid.</summary>
        public IReadOnlyList<int> Examples { get; init; } = new[] { 0, 1, 2, 3 };
    }

    public static ExperimentConfig Load(string path)
    {
        if (!File.Exists(path)) throw new ApcException($"experiment config '{path}': file not found.");
        try
        {
            var config = JsonSerializer.Deserialize<ExperimentConfig>(File.ReadAllText(path), Options)
                         ?? throw new ApcException($"experiment config '{path}': empty.");
            return config.Validated(path);
        }
        catch (JsonException e)
        {
            throw new ApcException($"experiment config '{path}': invalid JSON ({e.Message}).");
        }
    }

    public ExperimentConfig Validated(string source)
    {
        if (Compressions.Count == 0) throw new ApcException($"experiment config '{source}': 'compressions' is empty.");
        if (Seeds.Count == 0) throw new ApcException($"experiment config '{source}': 'seeds' is empty.");
        if (Evaluation.Methods.Count == 0) throw new ApcException($"experiment config '{source}': 'evaluation.methods' is empty.");
        foreach (var m in Evaluation.Methods) Attribution.AttributionMethods.Create(m);
        foreach (var m in Matchers) MatcherArgs(m);
        var names = Compressions.Select(c => c.Name).ToList();
        if (names.Distinct().Count() != names.Count) throw new ApcException($"experiment config '{source}': compression labels must be unique.");
        return this;
    }

    /// <summary>"wcam:drop=0.3:weight=50" → apc compress options.</summary>
    public static string[] MatcherArgs(string matcher)
    {
        var parts = matcher.Split(':', StringSplitOptions.TrimEntries);
        var args = new List<string> { "--match", parts[0] };
        foreach (var option in parts.Skip(1))
        {
            var kv = option.Split('=', 2);
            if (kv.Length != 2 || kv[0] is not ("drop" or "weight" or "layers" or "classes"))
                throw new UsageException($"matcher '{matcher}': option '{option}' must be drop=P, weight=B, layers=L or classes=C.");
            args.Add(kv[0] switch { "weight" => "--match-weight", "layers" => "--match-layers", "classes" => "--match-classes", _ => "--drop" });
            args.Add(kv[1]);
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
