using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Apc.Evaluation;

namespace Apc.Cli.Experiments;

/// <summary>Collects every run's metrics.json and evaluation.json into results.json, and the paper-style
/// tables (mean ± standard deviation over seeds) into results.md, with the confidence intervals and paired differences
/// of <see cref="ExperimentStatistics"/>.</summary>
public sealed class ExperimentResults
{
    /// <summary>One number of one run, by key: "parameters", "map_per_class", "gradcam.pointing", "gradcam.cosine", ...</summary>
    public sealed record RunValues(ExperimentRun Run, Dictionary<string, double> Values, JsonNode? Metrics, JsonNode? Evaluation)
    {
        /// <summary>The run's pairs.json (attribution method → pairs), with consistency restricted to the pairs the seed's
        /// teacher also predicts (<see cref="Collect"/>); null when the run has none or was built without reading it.</summary>
        public IReadOnlyDictionary<string, PairRecords>? Pairs { get; init; }
    }

    public sealed record Stat(double Mean, double Std, int N)
    {
        public string Format(bool percent, int digits = 1)
        {
            if (N == 0 || !double.IsFinite(Mean)) return "n/a";
            double scale = percent ? 100 : 1;
            var mean = (Mean * scale).ToString("F" + digits, CultureInfo.InvariantCulture);
            return N > 1 ? $"{mean} ± {(Std * scale).ToString("F" + digits, CultureInfo.InvariantCulture)}" : mean;
        }
    }

    public ExperimentResults(ExperimentConfig config, IReadOnlyList<RunValues> runs) { Config = config; Runs = runs; }

    public ExperimentConfig Config { get; }
    public IReadOnlyList<RunValues> Runs { get; }

    /// <summary>Confidence intervals and paired differences (computed on first use; reads every run's pairs.json).</summary>
    public ExperimentStatistics Statistics => _statistics ??= ExperimentStatistics.Compute(this);
    private ExperimentStatistics? _statistics;

    /// <summary>Reads every run. Consistency is defined on the pairs both the compressed model and the teacher predict
    /// correctly (docs/evaluation.md): evaluations made before the evaluator applied that rule compared every pair the
    /// compressed model predicted, so each run's per-pair records are restricted here to the pairs its seed's teacher
    /// evaluation scored, and its consistency means are recomputed from them. On newer evaluations this changes nothing.</summary>
    public static ExperimentResults Collect(ExperimentConfig config, IEnumerable<ExperimentRun> runs)
    {
        var read = runs.Select(Read).Select(r => r with { Pairs = ReadPairs(r) }).ToList(); // each pairs.json read once
        return new(config, read.Select(r => RestrictConsistencyToTeacherPairs(r, read)).ToList());
    }

    static RunValues RestrictConsistencyToTeacherPairs(RunValues run, IReadOnlyList<RunValues> all)
    {
        var pairs = run.Pairs;
        if (pairs is null || run.Run.Compression == "teacher") return run;
        var teacher = all.FirstOrDefault(r => r.Run.Compression == "teacher" && r.Run.Seed == run.Run.Seed);
        var teacherPairs = teacher?.Pairs;
        if (teacher is null || teacherPairs is null || !SameReference(run, teacher)) return run;

        var restricted = pairs.ToDictionary(p => p.Key,
            p => teacherPairs.TryGetValue(p.Key, out var t) ? p.Value.ConsistencyOnPairsOf(t) : p.Value);
        var values = new Dictionary<string, double>(run.Values);
        foreach (var (method, records) in restricted)
        {
            if (records.Cosine is null) continue;
            foreach (var metric in new[] { "cosine", "spearman", "topk_iou" })
            {
                var finite = records.Metric(metric)!.Where(double.IsFinite).ToList();
                if (finite.Count > 0) values[$"{method}.{metric}"] = finite.Average();
                else values.Remove($"{method}.{metric}");
            }
            values[$"{method}.consistency_pairs"] = records.Cosine.Count(double.IsFinite);
        }
        foreach (var (method, records) in pairs)
            if (teacherPairs.TryGetValue(method, out var t) && PointingGap(records, t) is { } gap)
            {
                values[$"{method}.pointing_gap"] = gap.Mean;
                values[$"{method}.pointing_gap_pairs"] = gap.Pairs;
            }
        return run with { Values = values, Pairs = restricted };
    }

    /// <summary>The pointing gap to the teacher: over the pairs both models predict correctly, the mean of the model's
    /// pointing hit (0/1) minus the teacher's on the same pair, as a fraction (positive: the model points inside the
    /// mask more often than the teacher). Null when no pair is shared.</summary>
    public static (double Mean, int Pairs)? PointingGap(PairRecords model, PairRecords teacher)
    {
        var teacherHit = new Dictionary<(int, int), bool>(teacher.Count);
        for (int j = 0; j < teacher.Count; j++) teacherHit[(teacher.Image[j], teacher.Class[j])] = teacher.Pointing[j];
        double sum = 0;
        int n = 0;
        for (int i = 0; i < model.Count; i++)
            if (teacherHit.TryGetValue((model.Image[i], model.Class[i]), out var hit))
            {
                sum += (model.Pointing[i] ? 1 : 0) - (hit ? 1 : 0);
                n++;
            }
        return n == 0 ? null : (sum / n, n);
    }

    /// <summary>The run's pairs.json as written by the evaluation, or null when it has none.</summary>
    internal static IReadOnlyDictionary<string, PairRecords>? ReadPairs(RunValues run)
    {
        var name = (run.Evaluation?["pairs_file"] as JsonValue)?.GetValue<string>();
        var path = name is null ? null : Path.Combine(Path.GetDirectoryName(run.Run.EvaluationPath)!, name);
        return path is not null && File.Exists(path) ? PairsFile.Read(path) : null;
    }

    /// <summary>The run was evaluated against this teacher's model, on the same split.</summary>
    static bool SameReference(RunValues run, RunValues teacher)
    {
        string? Text(JsonNode? node, string key) => (node?[key] as JsonValue)?.GetValue<string>();
        var reference = Text(run.Evaluation, "reference");
        var teacherModel = Text(teacher.Evaluation, "model");
        return reference is not null && teacherModel is not null
            && Path.GetFullPath(reference) == Path.GetFullPath(teacherModel)
            && Text(run.Evaluation, "dataset") == Text(teacher.Evaluation, "dataset")
            && run.Evaluation?["images"]?.ToJsonString() == teacher.Evaluation?["images"]?.ToJsonString();
    }

    static RunValues Read(ExperimentRun run)
    {
        var values = new Dictionary<string, double>();
        var metricsPath = Path.Combine(run.Folder, "metrics.json");
        var metrics = File.Exists(metricsPath) ? JsonNode.Parse(File.ReadAllText(metricsPath)) : GivenModelMetrics(run.ModelPath);
        var evaluation = File.Exists(run.EvaluationPath) ? JsonNode.Parse(File.ReadAllText(run.EvaluationPath)) : null;
        void Take(string key, JsonNode? node)
        {
            if (node is JsonValue v && v.TryGetValue<double>(out var d)) values[key] = d;
        }
        foreach (var key in new[] { "parameters", "nonzero_parameters", "macs", "size_bytes", "agreement" }) Take(key, metrics?[key]);
        Take("latency_model_ms", metrics?["latency_ms"]?["model"]);
        Take("latency_teacher_ms", metrics?["latency_ms"]?["teacher"]);
        if (evaluation is not null)
        {
            foreach (var key in new[] { "map_per_class", "map_per_image", "f1", "accuracy", "agreement" }) Take(key, evaluation["prediction"]?[key]);
            if (evaluation["attribution"] is JsonObject attribution)
                foreach (var (method, entry) in attribution)
                {
                    Take($"{method}.pointing", entry?["pointing"]);
                    Take($"{method}.auc", entry?["auc"]);
                    Take($"{method}.energy", entry?["energy"]);
                    Take($"{method}.cosine", entry?["consistency"]?["cosine"]);
                    Take($"{method}.spearman", entry?["consistency"]?["spearman"]);
                    Take($"{method}.topk_iou", entry?["consistency"]?["topk_iou"]);
                    Take($"{method}.pairs", entry?["pairs"]);
                    Take($"{method}.consistency_pairs", entry?["consistency"]?["pairs"]);
                }
        }
        if (run.DeployedFolder is { } deployed) ReadDeployed(deployed, Take);
        if (values.TryGetValue("parameters", out var p) && values.TryGetValue("nonzero_parameters", out var nz) && p > 0)
            values["sparsity"] = 1 - nz / p;
        return new RunValues(run, values, metrics, evaluation);
    }

    /// <summary>The exported model's facts under "deployed.*": file size, latency in ONNX Runtime, agreement with the
    /// checkpoint (export.json), and its prediction and perturbation-attribution scores (deployed/evaluation).</summary>
    static void ReadDeployed(string folder, Action<string, JsonNode?> take)
    {
        var exportPath = Path.Combine(folder, "export.json");
        if (File.Exists(exportPath) && JsonNode.Parse(File.ReadAllText(exportPath)) is { } export)
        {
            take("deployed.size_bytes", export["size_bytes"]);
            take("deployed.latency_b1_ms", export["latency_ms"]?["batch_1"]);
            take("deployed.latency_b64_ms", export["latency_ms"]?["batch_64"]);
            take("deployed.label_agreement", export["agreement"]?["label_agreement"]);
            take("deployed.relative_logit_difference", export["agreement"]?["relative"]);
        }
        var evaluationPath = Path.Combine(folder, "evaluation", "evaluation.json");
        if (File.Exists(evaluationPath) && JsonNode.Parse(File.ReadAllText(evaluationPath)) is { } evaluation)
        {
            take("deployed.map_per_class", evaluation["prediction"]?["map_per_class"]);
            if (evaluation["attribution"] is JsonObject attribution)
                foreach (var (method, entry) in attribution)
                {
                    take($"deployed.{method}.pointing", entry?["pointing"]);
                    take($"deployed.{method}.cosine", entry?["consistency"]?["cosine"]);
                    take($"deployed.{method}.consistency_pairs", entry?["consistency"]?["pairs"]);
                }
        }
    }

    /// <summary>Size facts of a model the plan was given rather than trained (a teacher checkpoint), measured from the file.</summary>
    static JsonObject? GivenModelMetrics(string modelPath)
    {
        if (!File.Exists(modelPath)) return null;
        using var checkpoint = Apc.Checkpoints.ModelCheckpoint.Load(modelPath);
        var model = checkpoint.Model;
        return new JsonObject
        {
            // As doubles: the reader takes every value as a double.
            ["parameters"] = (double)model.ParameterCount(), ["nonzero_parameters"] = (double)model.parameters().Sum(p => p.count_nonzero().item<long>()),
            ["macs"] = (double)model.MultiplyAccumulates(), ["size_bytes"] = (double)new FileInfo(modelPath).Length,
        };
    }

    /// <summary>Rows of one compression method: the teacher, then each matcher (the config's order).</summary>
    public IEnumerable<(string Label, string Matcher, IReadOnlyList<RunValues> Seeds)> Rows(string compression)
    {
        yield return ("Teacher", "-", Runs.Where(r => r.Run.Compression == "teacher").ToList());
        var section = Config.Compressions.FirstOrDefault(c => c.Name == compression);
        foreach (var m in section is not null ? Config.MatchersOf(section) : Config.Matchers)
            yield return (MatcherTitle(m, section), m, Runs.Where(r => r.Run.Compression == compression && r.Run.Matcher == m).ToList());
    }

    /// <summary>The row title of <paramref name="matcher"/> in the compression <paramref name="section"/>: as
    /// <see cref="MatcherTitle(string)"/>, except that a compression fine-tuned with logit distillation (--finetune-kd
    /// above 0) and no matcher is the logit-KD control, not naive compression.</summary>
    public static string MatcherTitle(string matcher, ExperimentConfig.CompressionSection? section)
    {
        if (matcher != "none" || section is null) return MatcherTitle(matcher);
        var options = section.Options.ToList();
        int at = options.IndexOf("--finetune-kd");
        bool distils = at >= 0 && at + 1 < options.Count
            && double.TryParse(options[at + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var alpha) && alpha > 0;
        return distils ? "logit KD, no matching" : MatcherTitle(matcher);
    }

    /// <summary>A matcher of a plan (<c>none</c>, <c>at</c>, <c>wcam</c>, with <c>:drop=</c>, <c>:weight=</c>,
    /// <c>:layers=</c>, <c>:classes=</c>) as a row title: "naive", "+ attention transfer", "+ WCAM", "+ stochastic WCAM
    /// (p=0.3)", "+ attention transfer (β=16)", ...</summary>
    public static string MatcherTitle(string matcher) => matcher == "none" ? "naive" : "+ " + MatcherName(matcher, shortName: false);

    /// <summary>The matcher's name with its options in brackets (p = drop rate, β = weight, the layers, the classes);
    /// <paramref name="shortName"/> abbreviates attention transfer to AT. An option the parser does not know is shown as written.</summary>
    public static string MatcherName(string matcher, bool shortName)
    {
        var parts = matcher.Split(':', StringSplitOptions.TrimEntries);
        var options = parts.Skip(1).Select(p => p.Split('=', 2)).Select(kv => (Key: kv[0], Value: kv.Length > 1 ? kv[1] : "")).ToList();
        string? drop = options.FirstOrDefault(o => o.Key == "drop").Value;
        string name = parts[0] switch
        {
            "none" => "naive",
            "at" => shortName ? "AT" : "attention transfer",
            "wcam" => drop is null ? "WCAM" : "stochastic WCAM",
            var other => other,
        };
        var details = options.Select(o => o.Key switch
        {
            "drop" => $"p={o.Value}",
            "weight" => $"β={o.Value}",
            "layers" => $"at {o.Value}",
            "classes" => $"classes={o.Value}",
            _ => $"{o.Key}={o.Value}",
        }).ToList();
        return details.Count == 0 ? name : $"{name} ({string.Join(", ", details)})";
    }

    public static Stat Aggregate(IEnumerable<RunValues> seeds, string key)
    {
        var values = seeds.Where(s => s.Values.ContainsKey(key)).Select(s => s.Values[key]).Where(double.IsFinite).ToList();
        if (values.Count == 0) return new Stat(double.NaN, double.NaN, 0);
        double mean = values.Average();
        double std = values.Count > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1)) : 0;
        return new Stat(mean, std, values.Count);
    }

    public (string[] Headers, List<string[]> Rows) Table(string compression)
    {
        var methods = Config.Evaluation.Methods;
        bool sparse = Config.Compressions.First(c => c.Name == compression).Method is "unstructured" or "unify"; // zero blocks of unify are pruned weights
        var headers = new List<string> { "model", sparse ? "sparsity %" : "parameters", "MACs", "mAP %", "F1 %" };
        foreach (var m in methods) headers.AddRange(new[] { $"{m} pointing %", $"{m} AUC %", $"{m} cosine", $"{m} pairs" });
        var rows = new List<string[]>();
        foreach (var (label, _, seeds) in Rows(compression))
        {
            var row = new List<string>
            {
                label,
                sparse ? Aggregate(seeds, "sparsity").Format(true) : Aggregate(seeds, "parameters").Format(false, 0),
                Aggregate(seeds, "macs").Format(false, 0),
                Aggregate(seeds, "map_per_class").Format(true),
                Aggregate(seeds, "f1").Format(true),
            };
            foreach (var m in methods)
            {
                row.Add(Aggregate(seeds, $"{m}.pointing").Format(true));
                row.Add(Aggregate(seeds, $"{m}.auc").Format(true));
                row.Add(label == "Teacher" ? "1" : Aggregate(seeds, $"{m}.cosine").Format(false, 3));
                row.Add(Pairs(seeds, m, label == "Teacher"));
            }
            rows.Add(row.ToArray());
        }
        return (headers.ToArray(), rows);
    }

    /// <summary>The "deployed" table: every model as exported to ONNX (one row per compression and matcher, the teacher
    /// first), or null when the plan does not deploy.</summary>
    public (string[] Headers, List<string[]> Rows)? DeployedTable()
    {
        if (Config.Deployment is not { } deploy) return null;
        var headers = new List<string> { "model", "file KiB", "ORT ms (batch 1)", "ORT ms (batch 64)", "labels as checkpoint %", "mAP %" };
        foreach (var m in deploy.Methods) headers.AddRange(new[] { $"{m} cosine", $"{m} pointing %", $"{m} pairs" });
        var rows = new List<string[]>();
        void Add(string label, IReadOnlyList<RunValues> seeds)
        {
            var row = new List<string>
            {
                label,
                Kib(Aggregate(seeds, "deployed.size_bytes")),
                Aggregate(seeds, "deployed.latency_b1_ms").Format(false, 2),
                Aggregate(seeds, "deployed.latency_b64_ms").Format(false, 1),
                Aggregate(seeds, "deployed.label_agreement").Format(true),
                Aggregate(seeds, "deployed.map_per_class").Format(true),
            };
            foreach (var m in deploy.Methods)
            {
                row.Add(Aggregate(seeds, $"deployed.{m}.cosine").Format(false, 3));
                row.Add(Aggregate(seeds, $"deployed.{m}.pointing").Format(true));
                row.Add(Aggregate(seeds, $"deployed.{m}.consistency_pairs").Format(false, 0));
            }
            rows.Add(row.ToArray());
        }
        Add("Teacher", Runs.Where(r => r.Run.Compression == "teacher").ToList());
        foreach (var c in Config.Compressions)
            foreach (var m in Config.MatchersOf(c))
                Add($"{c.Name} {MatcherTitle(m, c)}", Runs.Where(r => r.Run.Compression == c.Name && r.Run.Matcher == m).ToList());
        return (headers.ToArray(), rows);
    }

    static string Kib(Stat size) => size.N == 0 || !double.IsFinite(size.Mean)
        ? "n/a" : (size.Mean / 1024).ToString("F0", CultureInfo.InvariantCulture);

    /// <summary>The caption under the deployed table: what each column is and how it was measured.</summary>
    public string DeployedCaption()
    {
        var d = Config.Deployment!;
        return $"Each model exported with `apc export --time` (int8 QDQ for quantized networks, float32 otherwise) and run in ONNX Runtime. " +
               "Latency: median of 5 runs on seeded random images in this run's process (the machine's load applies alike to all rows only roughly; " +
               "docs/performance.md has the controlled benchmark). Labels as checkpoint: fraction of (image, class) labels (logit > 0) on which the " +
               $"file agrees with its checkpoint, on 16 seeded random images. mAP and black-box attribution ({string.Join(", ", d.Methods)}, patch {d.Patch} px, " +
               $"stride {d.Stride} px) of the exported file on {Apc.Util.Plural.Of(d.Images, "image")} of the {Config.Evaluation.Split} split; cosine to the teacher checkpoint's " +
               "map of the same method, on the (image, class) pairs both predict correctly; pairs = how many such pairs the cosine rests on (mean over seeds).";
    }

    /// <summary>What a row's scores rest on, as mean (image, class) pairs per seed: "scored / compared", the pairs the model
    /// predicts correctly (pointing, AUC) and, of those, the ones the teacher also predicts correctly (cosine).</summary>
    static string Pairs(IReadOnlyList<RunValues> seeds, string method, bool teacher)
    {
        var scored = Aggregate(seeds, $"{method}.pairs");
        if (scored.N == 0) return "n/a";
        string Whole(double v) => v.ToString("F0", CultureInfo.InvariantCulture);
        if (teacher) return Whole(scored.Mean);
        var compared = Aggregate(seeds, $"{method}.consistency_pairs");
        return $"{Whole(scored.Mean)} / {(compared.N == 0 ? "n/a" : Whole(compared.Mean))}";
    }

    public string ResultsMarkdown(string command, PlanTime time)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# {Config.Name}: results");
        sb.AppendLine();
        sb.AppendLine($"Command: `{command}`. Seeds: {string.Join(", ", Config.Seeds)} (mean ± sample standard deviation when more than one). " +
                      $"{time.Sentence} Data: {Config.Data.Dataset}. {Config.Evaluation.SplitSentence} " +
                      "Attribution metrics over the (image, class) pairs each model predicts correctly; cosine = teacher–student consistency of the maps " +
                      "(1 = identical), on the pairs the teacher also predicts correctly. Pairs: scored / compared, the mean number of (image, class) pairs per seed " +
                      "that pointing and AUC (scored) and the cosine (compared) rest on.");
        foreach (var c in Config.Compressions)
        {
            sb.AppendLine();
            sb.AppendLine($"## {c.Name} ({c.Method}{(c.Options.Count > 0 ? " " + string.Join(' ', c.Options) : "")})");
            sb.AppendLine();
            var (headers, rows) = Table(c.Name);
            sb.Append(Apc.Reporting.MarkdownTable.Render(headers, rows));
            sb.AppendLine();
            sb.Append(Statistics.Markdown(Config, c.Name));
        }
        if (DeployedTable() is var (deployedHeaders, deployedRows))
        {
            sb.AppendLine();
            sb.AppendLine("## Deployed (ONNX Runtime)");
            sb.AppendLine();
            sb.Append(Apc.Reporting.MarkdownTable.Render(deployedHeaders, deployedRows));
            sb.AppendLine();
            sb.AppendLine(DeployedCaption());
        }
        return sb.ToString();
    }

    public JsonObject ToJson(string command, PlanTime time)
    {
        var runs = new JsonArray();
        foreach (var r in Runs)
        {
            var values = new JsonObject();
            foreach (var (k, v) in r.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal)) values[k] = double.IsFinite(v) ? v : null;
            runs.Add(new JsonObject
            {
                ["seed"] = r.Run.Seed, ["compression"] = r.Run.Compression, ["method"] = r.Run.Method, ["matcher"] = r.Run.Matcher,
                ["model"] = r.Run.ModelPath, ["values"] = values,
                ["metrics"] = r.Metrics?.DeepClone(), ["evaluation"] = r.Evaluation?.DeepClone(),
            });
        }
        var summary = new JsonArray();
        foreach (var c in Config.Compressions)
            foreach (var (label, matcher, seeds) in Rows(c.Name))
            {
                var keys = seeds.SelectMany(s => s.Values.Keys).Distinct().OrderBy(k => k, StringComparer.Ordinal);
                var stats = new JsonObject();
                foreach (var key in keys)
                {
                    var s = Aggregate(seeds, key);
                    stats[key] = new JsonObject { ["mean"] = double.IsFinite(s.Mean) ? s.Mean : null, ["std"] = double.IsFinite(s.Std) ? s.Std : null, ["n"] = s.N };
                }
                summary.Add(new JsonObject { ["compression"] = c.Name, ["row"] = label, ["matcher"] = matcher, ["stats"] = stats });
            }
        return new JsonObject
        {
            ["name"] = Config.Name,
            ["command"] = command,
            ["tool_version"] = ToolVersion.Text,
            ["seconds"] = time.InvocationSeconds,
            ["stage_seconds"] = time.StageSeconds,
            ["timed_stages"] = time.TimedStages,
            ["stages"] = time.Stages,
            ["config"] = System.Text.Json.JsonSerializer.SerializeToNode(Config, ExperimentConfig.Options),
            ["runs"] = runs,
            ["summary"] = summary,
            ["statistics"] = Statistics.CellsJson(),
            ["paired_differences"] = Statistics.DifferencesJson(),
        };
    }
}
