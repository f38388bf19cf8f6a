using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Apc.Evaluation.Statistics;
using Apc.Cli.Commands;
using Apc.Util;

namespace Apc.Cli.Experiments;

/// <summary><c>apc experiment --combine A,B,... --out DIR</c>: one overview of a study that was run as several plans
/// (sub-plans into folders of their own, docs/study-test/), read from each part's results.json. It writes the report's
/// opening charts over every part (DIR/consistency-METHOD.png) and DIR/combined.md (each model's mean and 95 % interval
/// over seeds, and each part's paired differences of the cosine). Nothing is recomputed: the numbers are the parts'
/// own, so the parts must have been evaluated alike (same data, teacher, split, evaluation size and seeds; checked), and
/// each (compression, matcher) run may come from one part only.</summary>
public static class CombinedStudy
{
    /// <summary>The table file in the output folder.</summary>
    public const string TableFile = "combined.md";

    /// <summary>One part: its results.json <paramref name="Source"/>, its plan, its statistics cells and paired
    /// differences, as the experiment wrote them.</summary>
    public sealed record Part(string Source, string Command, ExperimentConfig Config, IReadOnlyList<ExperimentStatistics.Cell> Cells,
        IReadOnlyList<ExperimentStatistics.Difference> Differences);

    /// <summary>Reads a part: an experiment's --out folder or its results.json.</summary>
    /// <exception cref="ApcException">No such file, not JSON, or not an experiment's results (a missing or mistyped
    /// field, named with its place).</exception>
    public static Part Read(string path)
    {
        var file = Directory.Exists(path) ? Path.Combine(path, "results.json") : path;
        if (Directory.Exists(path) && !File.Exists(file))
            throw new ApcException($"--combine '{path}': no results.json there (an experiment's --out has one once every stage finished, " +
                "or after apc experiment --collect).");
        InputPath.RequireFile(file, "--combine", "an experiment's --out folder or its results.json");
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(file)); }
        catch (JsonException e) { throw new ApcException($"--combine '{file}': not valid JSON ({Util.JsonErrors.Describe(e)})."); }
        if (root is not JsonObject o || o["config"] is not JsonObject configNode || o["statistics"] is not JsonArray statistics)
            throw new ApcException($"--combine '{file}': not the results.json of apc experiment (no \"config\" or \"statistics\").");
        ExperimentConfig config;
        try { config = configNode.Deserialize<ExperimentConfig>(ExperimentConfig.Options) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw new ApcException($"--combine '{file}': its \"config\" is not an experiment plan ({e.Message.Split(" Path:")[0]})."); }
        var cells = statistics.Select((node, i) =>
        {
            var c = Entry(node, $"statistics[{i}]");
            return new ExperimentStatistics.Cell(Text(c, "compression", $"statistics[{i}]"), Text(c, "row", $"statistics[{i}]"), Text(c, "matcher", $"statistics[{i}]"),
                Text(c, "metric", $"statistics[{i}]"), EstimateOf(c, $"statistics[{i}]"), OptionalInt(c, "pairs", $"statistics[{i}]"),
                c["images_ci_low"] is null ? null : new Estimate(double.NaN, Number(c, "images_ci_low", $"statistics[{i}]"), Number(c, "images_ci_high", $"statistics[{i}]"), 0));
        }).ToList();
        var differences = (o["paired_differences"] as JsonArray ?? new JsonArray()).Select((node, i) =>
        {
            string at = $"paired_differences[{i}]";
            var d = Entry(node, at);
            var seeds = d["seeds"] as JsonArray ?? new JsonArray();
            return new ExperimentStatistics.Difference(Text(d, "compression", at), Text(d, "comparison", at), Text(d, "matcher", at), Text(d, "baseline", at),
                d["attribution"] is null ? null : Text(d, "attribution", at), Text(d, "metric", at), EstimateOf(d, at),
                d["interval"] is null ? "" : Text(d, "interval", at), OptionalInt(d, "images", at),
                seeds.Select((seed, k) =>
                {
                    var e = Entry(seed, $"{at}.seeds[{k}]");
                    return new ExperimentStatistics.SeedDifference(Int(e, "seed", $"{at}.seeds[{k}]"), Number(e, "mean", $"{at}.seeds[{k}]"), OptionalInt(e, "pairs", $"{at}.seeds[{k}]"));
                }).ToList(),
                d["baseline_compression"] is null ? null : Text(d, "baseline_compression", at));
        }).ToList();
        return new Part(file, o["command"] is JsonValue command && command.TryGetValue<string>(out var text) ? text : "", config, cells, differences);

        JsonObject Entry(JsonNode? node, string at) => node as JsonObject ?? throw Bad(at, "is not an object");
        string Text(JsonObject e, string key, string at) =>
            e[key] is JsonValue v && v.TryGetValue<string>(out var t) ? t : throw Bad($"{at}.{key}", e[key] is null ? "is missing" : "is not a string");
        double Number(JsonObject e, string key, string at) => e[key] switch
        {
            null => double.NaN, // NaN is written as null
            JsonValue v when v.TryGetValue<double>(out var x) => x,
            _ => throw Bad($"{at}.{key}", "is not a number"),
        };
        int? OptionalInt(JsonObject e, string key, string at) => e[key] is null ? null : Int(e, key, at);
        int Int(JsonObject e, string key, string at) =>
            e[key] is JsonValue v && v.TryGetValue<int>(out var n) ? n : throw Bad($"{at}.{key}", e[key] is null ? "is missing" : "is not an integer");
        Estimate EstimateOf(JsonObject e, string at) => new(Number(e, "mean", at), Number(e, "ci_low", at), Number(e, "ci_high", at), Int(e, "n", at));
        ApcException Bad(string at, string what) => new($"--combine '{file}': $.{at} {what}; not the results.json of apc experiment.");
    }

    /// <summary>The parts as one plan and one list of cells. The plan holds every part's compressions (each with the
    /// matchers its part ran, and with its β made explicit) and the union of their matchers and
    /// attribution methods; the teacher's cells are the first part's (equal in every part; checked).</summary>
    /// <exception cref="ApcException">A part is given twice; the parts differ in data, teacher, split, evaluation size,
    /// seeds, matching layers or the teacher's scores; a compression name stands for different settings in two parts; or one
    /// (compression, matcher) run is in two parts.</exception>
    public static (ExperimentConfig Config, List<ExperimentStatistics.Cell> Cells) Merge(IReadOnlyList<Part> parts)
    {
        if (parts.Count < 2) throw new UsageException("--combine: give two or more experiments (comma-separated --out folders or results.json files).");
        var twice = parts.GroupBy(p => Path.GetFullPath(p.Source)).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new UsageException($"--combine: '{twice.First().Source}' is given twice.");
        var first = parts[0];
        foreach (var p in parts.Skip(1))
        {
            Same("data", Node(first.Config.Data), Node(p.Config.Data), first, p);
            Same("teacher", Node(first.Config.Teacher), Node(p.Config.Teacher), first, p);
            Same("plan settings", PlanSettings(first.Config), PlanSettings(p.Config), first, p);
            // The same teacher evaluated on the same scenes scores the same; a retrained teacher at the same path does not.
            foreach (var cell in first.Cells.Where(c => c.Compression == "teacher"))
                if (p.Cells.FirstOrDefault(c => c.Compression == "teacher" && c.Metric == cell.Metric) is { } other
                    && Math.Abs(other.Estimate.Mean - cell.Estimate.Mean) > TeacherTolerance)
                    throw new ApcException($"--combine: the teacher scores differently in '{first.Source}' and '{p.Source}' ({cell.Metric} " +
                        $"{cell.Estimate.Mean.ToString("0.####", CultureInfo.InvariantCulture)} against {other.Estimate.Mean.ToString("0.####", CultureInfo.InvariantCulture)}); " +
                        "only experiments with the same teacher evaluated alike can share a table.");
        }
        var compressions = new List<ExperimentConfig.CompressionSection>();
        var owner = new Dictionary<(string Compression, string Matcher), Part>();
        var cells = first.Cells.Where(c => c.Compression == "teacher").ToList();
        foreach (var p in parts)
            foreach (var plain in p.Config.Compressions)
            {
                // β as the runs used it: the plan's, unless the compression sets its own.
                var section = plain with { MatchWeight = plain.MatchWeight ?? p.Config.MatchWeight };
                var known = compressions.FindIndex(c => c.Name == section.Name);
                if (known >= 0 && !JsonNode.DeepEquals(Node(compressions[known] with { Matchers = null }), Node(section with { Matchers = null })))
                    throw new ApcException($"--combine: compression '{section.Name}' has other settings in '{p.Source}' than in '{owner.First(o => o.Key.Compression == section.Name).Value.Source}' " +
                        $"({Settings(section)} against {Settings(compressions[known])}); a name must mean one compression (give the plans distinct labels).");
                var matchers = p.Config.MatchersOf(section).ToList();
                foreach (var matcher in matchers)
                {
                    if (owner.TryGetValue((section.Name, matcher), out var other))
                        throw new ApcException($"--combine: the run {section.Name}/{matcher} is in both '{other.Source}' and '{p.Source}'; give each run once " +
                            "(leave one of them out, or combine the plan that holds both).");
                    owner[(section.Name, matcher)] = p;
                    cells.AddRange(p.Cells.Where(c => c.Compression == section.Name && c.Matcher == matcher));
                }
                if (known >= 0)
                    compressions[known] = compressions[known] with { Matchers = compressions[known].Matchers!.Concat(matchers).ToList() };
                else
                    compressions.Add(section with { Matchers = matchers });
            }
        var config = first.Config with
        {
            Name = string.Join(" + ", parts.Select(p => p.Config.Name)),
            Compressions = compressions,
            Matchers = parts.SelectMany(p => p.Config.AllMatchers).Distinct().ToList(),
            Evaluation = first.Config.Evaluation with { Methods = parts.SelectMany(p => p.Config.Evaluation.Methods).Distinct().ToList() },
            Comparisons = Array.Empty<ExperimentConfig.ComparisonSection>(),
        };
        return (config, cells);
    }

    /// <summary>How far the teacher's mean scores may differ between parts: floating-point noise of the same evaluation
    /// on another CPU, far below what another teacher or other scenes give.</summary>
    const double TeacherTolerance = 1e-4;

    static JsonNode? Node<T>(T value) => JsonSerializer.SerializeToNode(value, ExperimentConfig.Options);

    /// <summary>"structured --ratio 0.3 --epochs 3, β 10".</summary>
    public static string Settings(ExperimentConfig.CompressionSection c) =>
        $"{string.Join(' ', c.Options.Prepend(c.Method))}, β {(c.MatchWeight is { } b ? b.ToString(CultureInfo.InvariantCulture) : "100 (the default)")}";

    /// <summary>What every part must share besides data and teacher: the evaluated split and its size, the seeds, and the
    /// matching layers (the plan's; a compression cannot set its own).</summary>
    static JsonObject PlanSettings(ExperimentConfig c) => new()
    {
        ["split"] = c.Evaluation.Split, ["val_size"] = c.Evaluation.ValSize, ["seeds"] = string.Join(",", c.Seeds), ["match_layers"] = c.MatchLayers,
    };

    /// <summary>Refuses two sections that differ, naming each differing key with both values.</summary>
    static void Same(string what, JsonNode? a, JsonNode? b, Part first, Part other)
    {
        var x = a as JsonObject ?? new JsonObject();
        var y = b as JsonObject ?? new JsonObject();
        var keys = x.Select(kv => kv.Key).Union(y.Select(kv => kv.Key)).Where(k => !JsonNode.DeepEquals(x[k], y[k])).ToList();
        if (keys.Count > 0)
            throw new ApcException($"--combine: '{first.Source}' and '{other.Source}' differ in their {what} (" +
                string.Join("; ", keys.Select(k => $"{k}: {Show(x[k])} against {Show(y[k])}")) + "); only experiments evaluated alike can share a table.");
        static string Show(JsonNode? n) => n is null ? "none" : n.ToJsonString();
    }

    /// <summary>combined.md: the parts, then per attribution method each model's mean [95 % interval] over seeds, then
    /// every part's paired differences of the cosine (its own, over pairs and over seeds).</summary>
    public static string Markdown(IReadOnlyList<Part> parts, ExperimentConfig config, IReadOnlyList<ExperimentStatistics.Cell> cells, string command,
        IReadOnlyList<(string File, string Caption)> charts)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# One study from {parts.Count} experiments");
        sb.AppendLine();
        sb.AppendLine($"Command: `{command}`. Seeds: {string.Join(", ", config.Seeds)}. {config.Evaluation.SplitSentence} " +
                      "Every number is the part's own (read from its results.json, nothing recomputed); the teacher's row is the first part's.");
        sb.AppendLine();
        sb.Append(Apc.Reporting.MarkdownTable.Render(["part", "plan", "runs", "teacher mAP %"], parts.Select(p =>
        {
            var teacher = p.Cells.FirstOrDefault(c => c.Compression == "teacher" && c.Metric == "map_per_class");
            var runs = p.Config.Compressions.SelectMany(c => p.Config.MatchersOf(c).Select(m => $"{c.Name}/{m}"));
            return new[] { p.Source, p.Config.Name, string.Join(", ", runs), teacher is null ? "n/a" : ExperimentStatistics.Format(teacher.Estimate, true) };
        }).ToList()));
        sb.AppendLine();
        sb.Append(Apc.Reporting.MarkdownTable.Render(["compression", "settings (apc compress, β of its matchers)", "matchers"],
            config.Compressions.Select(c => new[] { c.Name, Settings(c), string.Join(", ", config.MatchersOf(c)) }).ToList()));
        sb.AppendLine();
        if (config.MatchLayers is not null) sb.AppendLine($"Matching layers: {config.MatchLayers}.");
        foreach (var (file, caption) in charts)
        {
            sb.AppendLine($"![{Path.GetFileNameWithoutExtension(file)}]({file})");
            sb.AppendLine();
            sb.AppendLine(caption);
            sb.AppendLine();
        }
        sb.AppendLine("Mean over seeds [95 % Student-t confidence interval]; cosine = teacher–student consistency of the maps on the pairs both predict correctly.");
        sb.AppendLine();
        var methods = config.Evaluation.Methods;
        var headers = new List<string> { "compression", "model", "seeds", "mAP %", "F1 %" };
        headers.AddRange(methods.Select(m => $"{m} cosine"));
        var rows = new List<string[]>();
        var keys = new List<(string Compression, string Row, string Matcher)> { ("teacher", "Teacher", "-") };
        foreach (var section in config.Compressions)
            keys.AddRange(config.MatchersOf(section).Select(m => (section.Name, ExperimentResults.MatcherTitle(m, section), m)));
        foreach (var (compression, row, matcher) in keys)
        {
            string Cell(string metric, bool percent) =>
                cells.FirstOrDefault(c => c.Compression == compression && c.Matcher == matcher && c.Metric == metric) is { } cell
                    ? ExperimentStatistics.Format(cell.Estimate, percent) : "n/a";
            int seeds = cells.Where(c => c.Compression == compression && c.Matcher == matcher).Select(c => c.Estimate.N).DefaultIfEmpty(0).Max();
            var line = new List<string> { compression, row, seeds.ToString(CultureInfo.InvariantCulture), Cell("map_per_class", true), Cell("f1", true) };
            line.AddRange(methods.Select(m => compression == "teacher" ? "1" : Cell($"{m}.cosine", false)));
            rows.Add(line.ToArray());
        }
        sb.Append(Apc.Reporting.MarkdownTable.Render(headers, rows));
        sb.AppendLine();
        sb.AppendLine("Paired differences of the cosine, as each part computed them: over pairs (the models held fixed, cluster bootstrap " +
                      "over images within seeds) and over seeds (Student-t of the per-seed means, which includes training-run variation).");
        sb.AppendLine();
        var differences = parts.SelectMany(p => p.Differences.Where(d => d.Metric == "cosine" && d.Attribution is not null)).ToList();
        sb.Append(Apc.Reporting.MarkdownTable.Render(["attribution", "compression", "comparison", "cosine over pairs", "cosine over seeds", "per seed"],
            methods.SelectMany(m => differences.Where(d => d.Attribution == m).Select(d => new[]
            {
                m, d.Compression, d.Comparison, ExperimentStatistics.Format(d.Estimate, false, signed: true),
                ExperimentStatistics.Format(d.OverSeeds, false, signed: true),
                ExperimentStatistics.PerSeed(d),
            })).ToList()));
        return sb.ToString();
    }

    /// <summary>Reads the parts, merges them and writes DIR/combined.md and DIR/consistency-METHOD.png (atomically, each
    /// file whole). A rerun into the same folder replaces its earlier output; a folder with other files that no
    /// fingerprint describes (an experiment's own --out, say) needs <paramref name="force"/>.</summary>
    public static IReadOnlyList<string> Run(IReadOnlyList<string> sources, string outDir, bool force, string command)
    {
        var parts = sources.Select(Read).ToList();
        var (config, cells) = Merge(parts);
        // The output never goes into a part's own folder: its charts would pass for that experiment's own. A subfolder is
        // fine (a stage folder there is another command's, which RunFolder refuses).
        var outFull = Path.TrimEndingDirectorySeparator(Path.GetFullPath(outDir));
        foreach (var p in parts)
        {
            var folder = Path.TrimEndingDirectorySeparator(Path.GetDirectoryName(Path.GetFullPath(p.Source))!);
            if (outFull == folder)
                throw new UsageException($"--out '{outDir}' is the folder of the experiment '{p.Source}' being combined; choose a folder of its own.");
        }
        var charts = ConsistencyChart.Build(config, cells, (compression, matcher) => cells.Any(c => c.Compression == compression && c.Matcher == matcher)).ToList();
        var outputs = new List<string> { TableFile };
        outputs.AddRange(config.Evaluation.Methods.Select(m => $"consistency-{m}.png"));
        if (Directory.Exists(outDir)) outputs.AddRange(Directory.EnumerateFiles(outDir, "consistency-*.png").Select(Path.GetFileName).OfType<string>());
        outputs = outputs.Distinct().ToList();
        var fingerprint = RunFingerprints.Merge("experiment --combine", new JsonObject
        {
            ["parts"] = string.Join(",", parts.Select(p => Path.GetFullPath(p.Source))),
        });
        // --force replaces outputs no fingerprint describes, and an unreadable fingerprint; another command's folder stays refused.
        var reuse = force && Recorded(outDir) is null ? FolderReuse.Replace : FolderReuse.Redraw;
        RunFolder.Check(outDir, fingerprint, reuse, outputs);
        // Every file is written first and renamed into place together; only then do an earlier combination's files go
        // (one with other attribution methods must not leave charts behind), so a failed write leaves the folder as it was.
        var files = charts.Select(c => (Path.Combine(outDir, c.File), c.Png)).ToList();
        files.Add((Path.Combine(outDir, TableFile), Encoding.UTF8.GetBytes(Markdown(parts, config, cells, command, charts.Select(c => (c.File, c.Caption)).ToList()))));
        AtomicFile.WriteGroup(files, () =>
        {
            if (Directory.Exists(outDir))
                foreach (var stale in Directory.EnumerateFiles(outDir, "consistency-*.png").Append(Path.Combine(outDir, TableFile)).Where(File.Exists).ToList())
                    File.Delete(stale);
            RunFolder.Claim(outDir, fingerprint, FolderReuse.Replace, outputs);
        });
        return files.Select(f => f.Item1).ToList();

        static RunFingerprint? Recorded(string dir)
        {
            try { return RunFolder.Recorded(dir); }
            catch (ApcException) { return null; } // unreadable: --force may replace it
        }
    }
}
