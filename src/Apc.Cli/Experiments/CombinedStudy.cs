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
    /// <exception cref="ApcException">No such file, not JSON, or not an experiment's results (no config or statistics).</exception>
    public static Part Read(string path)
    {
        var file = Directory.Exists(path) ? Path.Combine(path, "results.json") : path;
        InputPath.RequireFile(file, "--combine", "an experiment's --out folder or its results.json");
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(file)); }
        catch (JsonException e) { throw new ApcException($"--combine '{file}': not valid JSON ({e.Message})."); }
        if (root?["config"] is not JsonObject configNode || root["statistics"] is not JsonArray statistics)
            throw new ApcException($"--combine '{file}': not the results.json of apc experiment (no \"config\" or \"statistics\").");
        ExperimentConfig config;
        try { config = configNode.Deserialize<ExperimentConfig>(ExperimentConfig.Options) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw new ApcException($"--combine '{file}': its \"config\" is not an experiment plan ({e.Message})."); }
        var cells = statistics.OfType<JsonObject>().Select(c => new ExperimentStatistics.Cell(
            Text(c, "compression"), Text(c, "row"), Text(c, "matcher"), Text(c, "metric"),
            new Estimate(Number(c["mean"]), Number(c["ci_low"]), Number(c["ci_high"]), c["n"]?.GetValue<int>() ?? 0),
            c["pairs"]?.GetValue<int>(),
            c["images_ci_low"] is null ? null : new Estimate(double.NaN, Number(c["images_ci_low"]), Number(c["images_ci_high"]), 0))).ToList();
        var differences = (root["paired_differences"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().Select(d => new ExperimentStatistics.Difference(
            Text(d, "compression"), Text(d, "comparison"), Text(d, "matcher"), Text(d, "baseline"), d["attribution"]?.GetValue<string>(), Text(d, "metric"),
            new Estimate(Number(d["mean"]), Number(d["ci_low"]), Number(d["ci_high"]), d["n"]?.GetValue<int>() ?? 0),
            d["interval"]?.GetValue<string>() ?? "", d["images"]?.GetValue<int>(),
            (d["seeds"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
                .Select(s => new ExperimentStatistics.SeedDifference(s["seed"]!.GetValue<int>(), Number(s["mean"]), s["pairs"]?.GetValue<int>())).ToList(),
            d["baseline_compression"]?.GetValue<string>())).ToList();
        return new Part(file, root["command"]?.GetValue<string>() ?? "", config, cells, differences);

        string Text(JsonObject o, string key) => o[key]?.GetValue<string>() ?? throw new ApcException($"--combine '{file}': a statistics entry has no \"{key}\".");
    }

    static double Number(JsonNode? node) => node is null ? double.NaN : node.GetValue<double>();

    /// <summary>The parts as one plan and one list of cells. The plan holds every part's compressions (each with the
    /// matchers its part ran) and the union of their matchers and attribution methods; the teacher's cells are the first
    /// part's (<see cref="Markdown"/> lists every part's teacher mAP beside it).</summary>
    /// <exception cref="ApcException">The parts differ in data, teacher, split, evaluation size or seeds; a compression
    /// name stands for different settings in two parts; or one (compression, matcher) run is in two parts.</exception>
    public static (ExperimentConfig Config, List<ExperimentStatistics.Cell> Cells) Merge(IReadOnlyList<Part> parts)
    {
        if (parts.Count < 2) throw new UsageException("--combine: give two or more experiments (comma-separated --out folders or results.json files).");
        var first = parts[0];
        foreach (var p in parts.Skip(1))
        {
            Same("data", Json(first.Config.Data), Json(p.Config.Data), first, p);
            Same("teacher", Json(first.Config.Teacher), Json(p.Config.Teacher), first, p);
            Same("evaluation split", first.Config.Evaluation.Split, p.Config.Evaluation.Split, first, p);
            Same("evaluation size (val_size)", $"{first.Config.Evaluation.ValSize}", $"{p.Config.Evaluation.ValSize}", first, p);
            Same("seeds", string.Join(",", first.Config.Seeds), string.Join(",", p.Config.Seeds), first, p);
        }
        var compressions = new List<ExperimentConfig.CompressionSection>();
        var owner = new Dictionary<(string Compression, string Matcher), Part>();
        var cells = first.Cells.Where(c => c.Compression == "teacher").ToList();
        foreach (var p in parts)
            foreach (var section in p.Config.Compressions)
            {
                var known = compressions.FindIndex(c => c.Name == section.Name);
                if (known >= 0 && Json(compressions[known] with { Matchers = null }) != Json(section with { Matchers = null }))
                    throw new ApcException($"--combine: compression '{section.Name}' has other settings in '{p.Source}' than in '{owner.First(o => o.Key.Compression == section.Name).Value.Source}'; " +
                        "a name must mean one compression (give the plans distinct labels).");
                foreach (var matcher in p.Config.MatchersOf(section))
                {
                    if (owner.TryGetValue((section.Name, matcher), out var other))
                        throw new ApcException($"--combine: the run {section.Name}/{matcher} is in both '{other.Source}' and '{p.Source}'; give each run once " +
                            "(leave one of them out, or combine the plan that holds both).");
                    owner[(section.Name, matcher)] = p;
                    cells.AddRange(p.Cells.Where(c => c.Compression == section.Name && c.Matcher == matcher));
                }
                var matchers = p.Config.MatchersOf(section).ToList();
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

    static string Json<T>(T value) => JsonSerializer.Serialize(value, ExperimentConfig.Options);

    static void Same(string what, string a, string b, Part first, Part other)
    {
        if (a != b)
            throw new ApcException($"--combine: the {what} differs between '{first.Source}' ({a}) and '{other.Source}' ({b}); " +
                "only experiments evaluated alike can share a table.");
    }

    /// <summary>combined.md: the parts, then per attribution method each model's mean [95 % interval] over seeds, then
    /// every part's paired differences of the cosine (its own, over pairs and over seeds).</summary>
    public static string Markdown(IReadOnlyList<Part> parts, ExperimentConfig config, IReadOnlyList<ExperimentStatistics.Cell> cells, string command)
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
                string.Join(", ", d.Seeds.Select(s => double.IsFinite(s.Mean) ? s.Mean.ToString("+0.000;-0.000;0.000", CultureInfo.InvariantCulture) : "n/a")),
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
        var charts = ConsistencyChart.Build(config, cells, (compression, matcher) => cells.Any(c => c.Compression == compression && c.Matcher == matcher)).ToList();
        var outputs = new List<string> { TableFile };
        outputs.AddRange(config.Evaluation.Methods.Select(m => $"consistency-{m}.png"));
        if (Directory.Exists(outDir)) outputs.AddRange(Directory.EnumerateFiles(outDir, "consistency-*.png").Select(Path.GetFileName).OfType<string>());
        outputs = outputs.Distinct().ToList();
        var fingerprint = RunFingerprints.Merge("experiment --combine", new JsonObject
        {
            ["parts"] = string.Join(",", parts.Select(p => Path.GetFullPath(p.Source))),
        });
        var reuse = force && RunFolder.Recorded(outDir) is null ? FolderReuse.Replace : FolderReuse.Redraw;
        RunFolder.Check(outDir, fingerprint, reuse, outputs);
        // An earlier combination's files go first: one with other attribution methods must not leave charts behind.
        if (Directory.Exists(outDir))
            foreach (var stale in Directory.EnumerateFiles(outDir, "consistency-*.png").Append(Path.Combine(outDir, TableFile)).Where(File.Exists).ToList())
                File.Delete(stale);
        RunFolder.Claim(outDir, fingerprint, FolderReuse.Replace, outputs);
        var written = new List<string>();
        foreach (var (file, png, _) in charts)
        {
            AtomicFile.WriteAllBytes(Path.Combine(outDir, file), png);
            written.Add(Path.Combine(outDir, file));
        }
        AtomicFile.WriteAllText(Path.Combine(outDir, TableFile), Markdown(parts, config, cells, command));
        written.Add(Path.Combine(outDir, TableFile));
        return written;
    }
}
