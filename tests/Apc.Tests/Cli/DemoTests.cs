using System.Text.Json.Nodes;

namespace Apc.Tests.Cli;

public class DemoTests
{
    [Fact]
    public void QuickDemoRunsEndToEndAndASecondRunRedoesNothing()
    {
        using var dir = new TempFolder();
        var (code, error) = CliRunner.Run("demo", "--quick", "--out", dir.Path);
        Assert.True(code == 0, error);
        var results = JsonNode.Parse(File.ReadAllText(dir.File("results.json")))!;
        var runs = results["runs"]!.AsArray();
        // The demo starts from the shipped teacher: no teacher is trained, every model is compared with that file.
        Assert.Equal(Apc.Cli.Experiments.ShippedTeacher.Path, results["config"]!["teacher"]!["checkpoint"]!.GetValue<string>());
        Assert.Equal(Apc.Cli.Experiments.ShippedTeacher.Path, runs[0]!["model"]!.GetValue<string>());
        Assert.False(File.Exists(dir.File(Path.Combine("seed-0", "teacher", "model.ckpt"))));
        // The teacher plus kd and structured, each naive and with WCAM.
        Assert.Equal(5, runs.Count);
        Assert.Equal(new[] { "teacher", "kd", "kd", "structured", "structured" }, runs.Select(r => r!["compression"]!.GetValue<string>()));
        foreach (var run in runs)
        {
            var values = run!["values"]!;
            Assert.InRange(values["map_per_class"]!.GetValue<double>(), 0, 1);
            foreach (var method in new[] { "gradcam", "lrp" })
            {
                // Localisation is scored on the pairs the model predicts correctly; a tiny student may have none,
                // and then the metric is absent rather than invented.
                int pairs = run["evaluation"]!["attribution"]![method]!["pairs"]!.GetValue<int>();
                if (run["compression"]!.GetValue<string>() == "teacher") Assert.True(pairs > 0, "the teacher must predict some pairs");
                if (pairs == 0) { Assert.Null(values[$"{method}.pointing"]); continue; }
                Assert.InRange(values[$"{method}.pointing"]!.GetValue<double>(), 0, 1);
                Assert.InRange(values[$"{method}.auc"]!.GetValue<double>(), 0, 1);
                if (run["compression"]!.GetValue<string>() != "teacher")
                    Assert.InRange(values[$"{method}.cosine"]!.GetValue<double>(), -1, 1);
            }
        }
        // Structured pruning really removed parameters; kd's student is smaller than the teacher.
        double teacherParameters = runs[0]!["values"]!["parameters"]!.GetValue<double>();
        foreach (var run in runs.Skip(1))
            Assert.True(run!["values"]!["parameters"]!.GetValue<double>() < teacherParameters);
        Assert.Contains("| Teacher |", File.ReadAllText(dir.File("results.md")));
        Assert.True(File.Exists(dir.File("report.html")));

        // Every model is exported and evaluated as a file in ONNX Runtime (the "deployed" table). The float exports give
        // the checkpoint's labels, and the exported teacher's occlusion maps are the teacher checkpoint's own (ONNX Runtime
        // and TorchSharp logits agree to 1e-4, so the maps' cosine is 1 up to rounding).
        foreach (var run in runs)
        {
            var values = run!["values"]!;
            string folder = Path.GetDirectoryName(run["model"]!.GetValue<string>())!;
            if (run["compression"]!.GetValue<string>() == "teacher") folder = dir.File(Path.Combine("seed-0", "teacher"));
            Assert.True(File.Exists(Path.Combine(folder, "deployed", "model.onnx")), folder);
            Assert.Equal(new FileInfo(Path.Combine(folder, "deployed", "model.onnx")).Length, values["deployed.size_bytes"]!.GetValue<double>());
            Assert.Equal(1.0, values["deployed.label_agreement"]!.GetValue<double>());
            Assert.True(values["deployed.latency_b1_ms"]!.GetValue<double>() > 0);
            Assert.True(values["deployed.latency_b64_ms"]!.GetValue<double>() > 0);
            Assert.InRange(values["deployed.map_per_class"]!.GetValue<double>(), 0, 1);
        }
        Assert.InRange(runs[0]!["values"]!["deployed.occlusion.cosine"]!.GetValue<double>(), 0.9999, 1.0001);
        Assert.True(runs[0]!["values"]!["deployed.occlusion.consistency_pairs"]!.GetValue<double>() > 0);
        Assert.Contains("## Deployed (ONNX Runtime)", File.ReadAllText(dir.File("results.md")));

        // Statistics: one seed gives means without an interval across seeds (none is invented) ...
        var cells = results["statistics"]!.AsArray();
        Assert.Contains(cells, c => c!["compression"]!.GetValue<string>() == "teacher" && c["metric"]!.GetValue<string>() == "map_per_class");
        foreach (var cell in cells)
        {
            Assert.Equal(1, cell!["n"]!.GetValue<int>());
            Assert.True(double.IsFinite(cell["mean"]!.GetValue<double>()));
            Assert.Null(cell["ci_low"]);
            Assert.Null(cell["ci_high"]);
        }
        // ... and paired differences WCAM − naive, for mAP and F1 always, and for every attribution metric with finite
        // values wherever both students scored pairs in common (the quick demo's naive students may score none).
        var differences = results["paired_differences"]!.AsArray();
        foreach (var metric in new[] { "map_per_class", "f1" })
            Assert.True(double.IsFinite(differences.Single(d => d!["compression"]!.GetValue<string>() == "kd" && d["attribution"] is null
                && d["metric"]!.GetValue<string>() == metric)!["mean"]!.GetValue<double>()));
        Assert.Equal(2 * 2 * 5, differences.Count(d => d!["attribution"] is not null)); // kd, structured × gradcam, lrp × 5 metrics
        foreach (var d in differences)
        {
            Assert.Equal("WCAM − naive", d!["comparison"]!.GetValue<string>());
            if (d["attribution"] is null || d["n"]!.GetValue<int>() == 0) continue;
            double mean = d["mean"]!.GetValue<double>();
            Assert.True(double.IsFinite(mean));
            Assert.Equal(mean, d["seeds"]![0]!["mean"]!.GetValue<double>(), 12); // one seed: the seed's mean is the mean
            if (d["images"]!.GetValue<int>() >= 2)
                Assert.InRange(mean, d["ci_low"]!.GetValue<double>(), d["ci_high"]!.GetValue<double>());
        }
        Assert.Contains("WCAM − naive", File.ReadAllText(dir.File("results.md")));
        // The report opens with the consistency chart.
        var html = File.ReadAllText(dir.File("report.html"));
        Assert.True(File.Exists(dir.File("consistency-gradcam.png")));
        int chart = html.IndexOf("cosine of gradcam maps", StringComparison.Ordinal);
        Assert.InRange(chart, 0, html.IndexOf("<table", StringComparison.Ordinal));

        // Every stage is cached: a second invocation only re-collects results.
        var before = File.GetLastWriteTimeUtc(dir.File(Path.Combine("seed-0", "kd-wcam", "model.ckpt")));
        Assert.Equal(0, CliRunner.Run("demo", "--quick", "--out", dir.Path).Code);
        Assert.Equal(before, File.GetLastWriteTimeUtc(dir.File(Path.Combine("seed-0", "kd-wcam", "model.ckpt"))));

        // Another β is another experiment: the finished stages are not passed off as β = 100 (docs/experiments.md
        // suggests exactly this command); nothing is rerun or rewritten, the error names the setting.
        var config = File.ReadAllText(dir.File("config.json"));
        (code, error) = CliRunner.Run("demo", "--quick", "--match-weight", "100", "--out", dir.Path);
        Assert.Equal(1, code);
        Assert.Contains("--match-weight: 10 before, 100 now", error);
        Assert.Contains("--force", error);
        Assert.Equal(config, File.ReadAllText(dir.File("config.json")));
        Assert.Equal(before, File.GetLastWriteTimeUtc(dir.File(Path.Combine("seed-0", "kd-wcam", "model.ckpt"))));
    }

    [Fact]
    public void ExperimentConfigErrorsAreOneClearLine()
    {
        using var dir = new TempFolder();
        File.WriteAllText(dir.File("bad.json"), "{ \"compressions\": [], }");
        var (code, error) = CliRunner.Run("experiment", "--config", dir.File("bad.json"), "--out", dir.File("out"));
        Assert.Equal(1, code);
        Assert.Contains("'compressions' is empty", error);
        // A misspelled key is named with the keys its section takes; a value of the wrong type with the type expected.
        File.WriteAllText(dir.File("typo.json"), "{ \"compresions\": [] }");
        Assert.Contains("unknown key 'compresions' in $ (keys there: name, data, teacher, compressions, matchers,", CliRunner.Run("experiment", "--config", dir.File("typo.json")).Error);
        File.WriteAllText(dir.File("typo2.json"), "{ \"compressions\": [ { \"method\": \"kd\" } ], \"comparisons\": [ { \"model\": \"kd/wcam\", \"basline\": \"kd/none\" } ] }");
        Assert.Contains("unknown key 'basline' in $.comparisons[0] (keys there: model, baseline, title).", CliRunner.Run("experiment", "--config", dir.File("typo2.json")).Error);
        File.WriteAllText(dir.File("type.json"), "{ \"compressions\": [ { \"method\": \"kd\" } ], \"matchers\": \"none\" }");
        Assert.Contains("$.matchers has the wrong type: expected a list of strings.", CliRunner.Run("experiment", "--config", dir.File("type.json")).Error);
        File.WriteAllText(dir.File("broken.json"), "{ \"compressions\": [ ");
        Assert.Matches(@"invalid JSON \(.+, at line 1, column \d+\)\.", CliRunner.Run("experiment", "--config", dir.File("broken.json")).Error);
        Assert.Equal(1, CliRunner.Run("experiment", "--config", dir.File("missing.json")).Code);
    }
}
