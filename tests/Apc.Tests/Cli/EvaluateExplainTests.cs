using CsCheck;
using System.Text.Json.Nodes;
using Apc.Tests.Data;

namespace Apc.Tests.Cli;

public class EvaluateExplainTests
{
    static string[] Data = { "--dataset", "fashion-scenes", "--train-size", "128", "--val-size", "32", "--image-size", "32", "--batch-size", "32" };

    static string Teacher(TempFolder dir, string name = "teacher")
    {
        var (code, error) = CliRunner.Run(new[] { "train", "--arch", "vgg11-bn:w=1/16", "--epochs", "2", "--lr-steps", "", "--out", dir.File(name) }.Concat(Data).ToArray());
        Assert.True(code == 0, error);
        return dir.File(Path.Combine(name, "model.ckpt"));
    }

    [Fact]
    public void EvaluateWritesTheDocumentedJsonWithConsistencyAgainstAReference()
    {
        using var dir = new TempFolder();
        var teacher = Teacher(dir);
        var (code, error) = CliRunner.Run(new[] { "evaluate", "--model", teacher, "--reference", teacher, "--methods", "gradcam,lrp", "--out", dir.File("eval") }.Concat(Data).ToArray());
        Assert.True(code == 0, error);
        var json = JsonNode.Parse(File.ReadAllText(dir.File("eval/evaluation.json")))!;
        foreach (var key in new[] { "map_per_class", "map_per_image", "f1", "accuracy", "agreement" })
            Assert.NotNull(json["prediction"]![key]);
        // A model compared with itself agrees fully, and every scored pair has identical maps.
        Assert.Equal(1.0, json["prediction"]!["agreement"]!.GetValue<double>());
        foreach (var method in new[] { "gradcam", "lrp" })
        {
            var entry = json["attribution"]![method]!;
            int pairs = entry["pairs"]!.GetValue<int>();
            if (pairs == 0) continue; // an untrained 2-epoch model may predict no pair; then there is nothing to compare
            var cosine = entry["consistency"]!["cosine"];
            if (cosine is not null) Assert.Equal(1.0, cosine.GetValue<double>(), 5);
            Assert.Equal(0.0, entry["consistency"]!["wcam_distance"]?.GetValue<double>() ?? 0.0, 9);
            Assert.Equal(entry["pointing"]!.GetValue<double>(), entry["reference"]!["pointing"]!.GetValue<double>());
        }
        Assert.True(File.Exists(dir.File("eval/evaluation.md")));

        // pairs.json: every scored pair, whose means are evaluation.json's means.
        Assert.Equal("pairs.json", json["pairs_file"]!.GetValue<string>());
        var pairFile = Apc.Evaluation.PairsFile.Read(dir.File("eval/pairs.json"));
        foreach (var method in new[] { "gradcam", "lrp" })
        {
            var entry = json["attribution"]![method]!;
            var p = pairFile[method];
            Assert.Equal(entry["pairs"]!.GetValue<int>(), p.Count);
            Assert.All(p.Image, i => Assert.InRange(i, 0, 31));
            Assert.All(p.Class, k => Assert.InRange(k, 0, 9));
            var keys = p.Image.Zip(p.Class, (i, k) => i * 10 + k).ToArray();
            Assert.Equal(keys.OrderBy(k => k), keys); // image-major, each pair once
            Assert.Equal(keys.Length, keys.Distinct().Count());
            if (p.Count == 0) continue;
            Assert.Equal(entry["pointing"]!.GetValue<double>(), p.Pointing.Average(hit => hit ? 1.0 : 0.0), 12);
            Assert.All(p.Cosine!.Where(double.IsFinite), c => Assert.Equal(1.0, c, 5));
            var auc = p.Auc.Where(double.IsFinite).ToArray();
            if (auc.Length > 0) Assert.Equal(entry["auc"]!.GetValue<double>(), auc.Average(), 12);
        }
    }

    [Fact]
    public void ConsistencyIsScoredOnlyOnPairsTheReferenceAlsoPredicts()
    {
        using var dir = new TempFolder();
        // The reference is the shipped teacher with the logits of classes 0–4 lowered by 100: it predicts none of them,
        // and for classes 5–9 its logits, Grad-CAM and LRP maps are the teacher's own (other classes' biases do not enter).
        var model = Apc.Cli.Experiments.ShippedTeacher.Verified();
        var reference = dir.File("rejects-0-4.ckpt");
        using (var teacher = Apc.Checkpoints.ModelCheckpoint.Load(model))
        {
            var output = teacher.Model.modules().OfType<TorchSharp.Modules.Linear>().Last();
            using (TorchSharp.torch.no_grad()) output.bias!.narrow(0, 0, 5).sub_(100);
            Apc.Checkpoints.ModelCheckpoint.Save(reference, teacher.Info, teacher.Model);
        }
        string[] data = ["--dataset", "fashion-scenes", "--val-size", "48", "--batch-size", "48"];
        var (code, error) = CliRunner.Run(new[] { "evaluate", "--model", model, "--reference", reference, "--methods", "gradcam,lrp", "--out", dir.File("ab") }.Concat(data).ToArray());
        Assert.True(code == 0, error);

        var json = JsonNode.Parse(File.ReadAllText(dir.File("ab/evaluation.json")))!;
        var pairs = Apc.Evaluation.PairsFile.Read(dir.File("ab/pairs.json"));
        foreach (var method in new[] { "gradcam", "lrp" })
        {
            var p = pairs[method];
            Assert.Contains(p.Class, k => k < 5);
            Assert.Contains(p.Class, k => k >= 5);
            for (int i = 0; i < p.Count; i++)
                if (p.Class[i] < 5) Assert.True(double.IsNaN(p.Cosine![i]) && double.IsNaN(p.Spearman![i]) && double.IsNaN(p.TopKIou![i]),
                    $"{method}: class {p.Class[i]} is rejected by the reference but has consistency {p.Cosine[i]}");
                else Assert.Equal(1.0, p.Cosine![i], 5);
            var consistency = json["attribution"]![method]!["consistency"]!;
            Assert.Equal(p.Class.Count(k => k >= 5), consistency["pairs"]!.GetValue<int>());
            Assert.Equal(1.0, consistency["cosine"]!.GetValue<double>(), 5);
            Assert.Equal(p.Count, json["attribution"]![method]!["pairs"]!.GetValue<int>()); // localisation: every pair the model predicts
        }
    }

    [Fact]
    public void EvaluationsReadingTheReferencesMapsFromAFolderScoreExactlyAsEvaluationsComputingThem()
    {
        using var dir = new TempFolder();
        // The model is the shipped teacher (it predicts many pairs); the reference is the teacher with its last conv's
        // weights changed, so that its maps differ from the model's.
        var model = Apc.Cli.Experiments.ShippedTeacher.Verified();
        var reference = dir.File("changed.ckpt");
        using (var teacher = Apc.Checkpoints.ModelCheckpoint.Load(model))
        {
            var lastConv = teacher.Model.modules().OfType<TorchSharp.Modules.Conv2d>().Last();
            using (TorchSharp.torch.no_grad()) lastConv.weight!.mul_(TorchSharp.torch.rand_like(lastConv.weight).add(0.5));
            Apc.Checkpoints.ModelCheckpoint.Save(reference, teacher.Info, teacher.Model);
        }
        string[] data = ["--dataset", "fashion-scenes", "--val-size", "32", "--batch-size", "32"];
        string[] Evaluate(string output, params string[] extra) =>
            new[] { "evaluate", "--model", model, "--reference", reference, "--methods", "gradcam,lrp", "--out", dir.File(output) }.Concat(extra).Concat(data).ToArray();

        var maps = dir.File("reference-maps");
        foreach (var (output, extra) in new[] { ("computed", Array.Empty<string>()), ("filled", new[] { "--reference-maps", maps }), ("read", new[] { "--reference-maps", maps }) })
        {
            var (code, error) = CliRunner.Run(Evaluate(output, extra));
            Assert.True(code == 0, error);
        }
        int files = Directory.GetFiles(maps, "*.map", SearchOption.AllDirectories).Length;
        var pairs = Apc.Evaluation.PairsFile.Read(dir.File("computed/pairs.json"));
        Assert.Equal(pairs["gradcam"].Count + pairs["lrp"].Count, files); // one map per scored pair and method
        Assert.True(files > 0, "the model predicted no pair; the comparison below would be empty");
        string Scores(string output) => JsonNode.Parse(File.ReadAllText(dir.File($"{output}/evaluation.json")))!["attribution"]!.ToJsonString();
        Assert.Equal(Scores("computed"), Scores("filled"));
        Assert.Equal(Scores("computed"), Scores("read"));
        Assert.Equal(File.ReadAllText(dir.File("computed/pairs.json")), File.ReadAllText(dir.File("read/pairs.json")));
        Assert.Equal(files, Directory.GetFiles(maps, "*.map", SearchOption.AllDirectories).Length); // the third run added nothing

        var (usage, message) = CliRunner.Run(new[] { "evaluate", "--model", model, "--reference-maps", maps, "--out", dir.File("no-reference") }.Concat(data).ToArray());
        Assert.Equal(2, usage);
        Assert.Contains("--reference-maps holds a reference's maps: give the reference with --reference.", message);
    }

    [Fact]
    public void EvaluateAndExplainRejectBadInputWithOneLine()
    {
        using var dir = new TempFolder();
        var teacher = Teacher(dir);
        var (code, error) = CliRunner.Run(new[] { "evaluate", "--model", teacher, "--methods", "gradcam,nosuch", "--out", dir.File("e") }.Concat(Data).ToArray());
        Assert.Equal(2, code);
        Assert.Contains("unknown attribution method 'nosuch'", error);
        (code, error) = CliRunner.Run(new[] { "evaluate", "--model", teacher, "--layer", "conv9_9", "--out", dir.File("e") }.Concat(Data).ToArray());
        Assert.Equal(2, code);
        Assert.Contains("valid layers", error);
        (code, error) = CliRunner.Run(new[] { "explain", "--model", teacher, "--class", "Unicorn", "--out", dir.File("x") }.Concat(Data).ToArray());
        Assert.Equal(2, code);
        Assert.Contains("'Unicorn' is not a class", error);
        File.WriteAllText(dir.File("broken.png"), "not a png");
        (code, error) = CliRunner.Run("explain", "--model", teacher, "--image", dir.File("broken.png"), "--out", dir.File("x"));
        Assert.Equal(1, code);
        Assert.Contains("broken.png", error);
        (code, error) = CliRunner.Run("evaluate", "--model", teacher, "--dataset", "fashion-scenes", "--train-size", "128", "--val-size", "32",
            "--image-size", "64", "--out", dir.File("e"));
        Assert.Equal(1, code);
        Assert.Contains("takes 1x32x32 images", error);
        Assert.Single(error.Trim().Split('\n'));
        // An option no method of --methods reads is refused, not silently unused.
        (code, error) = CliRunner.Run(new[] { "evaluate", "--model", teacher, "--methods", "gradcam", "--patch", "4", "--out", dir.File("e") }.Concat(Data).ToArray());
        Assert.Equal(2, code);
        Assert.Contains("--patch applies to occlusion, and --methods (gradcam) holds none of them.", error);
        (code, error) = CliRunner.Run(new[] { "explain", "--model", teacher, "--methods", "occlusion", "--masks", "10", "--out", dir.File("x") }.Concat(Data).ToArray());
        Assert.Equal(2, code);
        Assert.Contains("--masks applies to rise, and --methods (occlusion) holds none of them.", error);
    }

    [Fact]
    public void AnEvaluationIsIdentifiedByWhatChangesItsMapsAndNotByTheSplitsItDoesNotRead()
    {
        using var dir = new TempFolder();
        var teacher = Teacher(dir);
        string[] Evaluate(string baseline, string trainSize) =>
            ["evaluate", "--model", teacher, "--methods", "integrated-gradients", "--baseline", baseline, "--out", dir.File("e"),
             "--dataset", "fashion-scenes", "--train-size", trainSize, "--val-size", "32", "--image-size", "32", "--batch-size", "32"];
        var (code, error) = CliRunner.Run(Evaluate("0", "128"));
        Assert.True(code == 0, error);
        // Integrated gradients starts its path at --baseline: another baseline is another evaluation.
        (code, error) = CliRunner.Run(Evaluate("1", "128"));
        Assert.Equal(1, code);
        Assert.Contains("baseline: 0 before, 1 now", error);
        // The training split's size does not change an evaluation of the validation split: recomputed in place.
        (code, error) = CliRunner.Run(Evaluate("0", "64"));
        Assert.True(code == 0, error);
    }

    [Fact]
    public void ExplainDrawsAGridForDatasetImagesAndForAnImageFile()
    {
        using var dir = new TempFolder();
        var teacher = Teacher(dir);
        var (code, error) = CliRunner.Run(new[] { "explain", "--model", teacher, "--reference", teacher, "--index", "0,1", "--methods", "gradcam,rap", "--out", dir.File("x") }.Concat(Data).ToArray());
        Assert.True(code == 0, error);
        var grid = File.ReadAllBytes(dir.File("x/explain.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, grid[..4]);
        // 2 images × 2 methods × 2 models single heatmaps beside the grid.
        Assert.Equal(9, Directory.GetFiles(dir.File("x"), "*.png").Length);

        File.Copy(dir.File("x/explain.png"), dir.File("photo.png"));
        (code, error) = CliRunner.Run("explain", "--model", teacher, "--image", dir.File("photo.png"), "--methods", "lrp", "--out", dir.File("y"));
        Assert.True(code == 0, error);
        Assert.True(File.Exists(dir.File("y/explain.png")));
    }

    /// <summary>A rerun of explain into its folder replaces the earlier picture: no panel file of the earlier run is left,
    /// its maps file (--save-maps inside --out) is gone, every listed file exists, and fingerprint.json names what produced
    /// the new one. A rerun that fails leaves the earlier outputs and their fingerprint byte for byte; another verb's folder
    /// and an unfingerprinted explain folder need --force.</summary>
    [Fact]
    public void ExplainRerunReplacesItsEarlierPanelsAndRecordsWhatProducedThem()
    {
        using var dir = new TempFolder();
        var teacher = Teacher(dir);
        string[] Explain(string index, string methods, params string[] more) =>
            new[] { "explain", "--model", teacher, "--index", index, "--methods", methods, "--out", dir.File("x") }.Concat(more).Concat(Data).ToArray();
        string[] Files() => Directory.GetFiles(dir.File("x")).Select(Path.GetFileName).Order().ToArray()!;
        // --save-maps inside --out makes the maps file one of explain's outputs: listed, and removed by the rerun below.
        var (code, error) = CliRunner.Run(Explain("0,1", "gradcam,rap", "--save-maps", dir.File("x/maps.safetensors")));
        Assert.True(code == 0, error);
        var first = Files();
        Assert.Equal(5, first.Count(f => f.EndsWith(".png"))); // 2 images × 2 methods, and the grid
        Assert.Contains("maps.safetensors", first);
        Assert.Equal("maps.safetensors", JsonNode.Parse(File.ReadAllText(dir.File("x/explain.json")))!["maps"]!.GetValue<string>());

        (code, error) = CliRunner.Run(Explain("2", "lrp"));
        Assert.True(code == 0, error);
        var panels = JsonNode.Parse(File.ReadAllText(dir.File("x/explain.json")))!["panels"]!.AsArray().Select(p => p!["file"]!.GetValue<string>()).ToList();
        Assert.Single(panels);
        Assert.Equal(panels.Append("explain.png").Append("explain.json").Append("fingerprint.json").Order().ToArray(), Files());
        var fingerprint = JsonNode.Parse(File.ReadAllText(dir.File("x/fingerprint.json")))!.ToJsonString();
        Assert.Contains("\"explain\"", fingerprint);
        Assert.Contains("\"lrp\"", fingerprint);
        Assert.Contains("\"2\"", fingerprint);

        // A rerun that fails (an index past the split's end) changes nothing.
        var before = Files().ToDictionary(f => f, f => File.ReadAllBytes(dir.File(Path.Combine("x", f))));
        (code, error) = CliRunner.Run(Explain("999", "gradcam"));
        Assert.Equal(2, code);
        Assert.Contains("--index 999", error);
        Assert.Equal(before.Keys.Order().ToArray(), Files());
        foreach (var (f, bytes) in before) Assert.Equal(bytes, File.ReadAllBytes(dir.File(Path.Combine("x", f))));

        // Another verb's folder is refused before any work; so is an explain folder without a fingerprint, unless --force.
        (code, error) = CliRunner.Run(new[] { "evaluate", "--model", teacher, "--methods", "gradcam", "--out", dir.File("eval") }.Concat(Data).ToArray());
        Assert.True(code == 0, error);
        var evaluation = File.ReadAllBytes(dir.File("eval/fingerprint.json"));
        foreach (var force in new[] { false, true }) // --force does not make explain replace another verb's record
        {
            (code, error) = CliRunner.Run(new[] { "explain", "--model", teacher, "--out", dir.File("eval") }.Concat(force ? new[] { "--force" } : []).Concat(Data).ToArray());
            Assert.Equal(1, code);
            Assert.Contains("apc evaluate", error);
            Assert.DoesNotContain("pass --force", error); // it would not help
            Assert.Equal(evaluation, File.ReadAllBytes(dir.File("eval/fingerprint.json")));
        }
        // A folder of files no fingerprint describes (an experiment's, a user's) is not written into without --force.
        Directory.CreateDirectory(dir.File("mine"));
        File.WriteAllText(dir.File("mine/notes.txt"), "mine");
        (code, error) = CliRunner.Run(new[] { "explain", "--model", teacher, "--out", dir.File("mine") }.Concat(Data).ToArray());
        Assert.Equal(1, code);
        Assert.Contains("notes.txt", error);
        Assert.Equal(new[] { "notes.txt" }, Directory.GetFiles(dir.File("mine")).Select(Path.GetFileName));
        (code, error) = CliRunner.Run(Explain("0,0", "gradcam"));
        Assert.Equal(2, code);
        Assert.Contains("--index: 0 is given twice", error);
        File.Delete(dir.File("x/fingerprint.json"));
        (code, error) = CliRunner.Run(Explain("0", "gradcam"));
        Assert.Equal(1, code);
        Assert.Contains("--force", error);
        (code, error) = CliRunner.Run(Explain("0", "gradcam", "--force"));
        Assert.True(code == 0, error);
        Assert.DoesNotContain(panels[0], Files());
    }

    [Fact]
    public void ExplainOfAValidationSceneSavedAsPngGivesTheLogitsOfExplainByIndex()
    {
        using var dir = new TempFolder();
        var teacher = Teacher(dir);
        // The validation split exactly as the verbs open it from Data's options.
        var val = Apc.Data.DatasetFactory.Open(new Apc.Data.DataOptions { TrainSize = 128, ValSize = 32, ImageSize = 32 }).Val;
        const int index = 5;
        VocFixture.WriteGreyPng(dir.File("scene.png"), 32, 32, val.GetDisplayImage(index));
        string cls = val.ClassNames[0];
        var (code, error) = CliRunner.Run(new[] { "explain", "--model", teacher, "--index", $"{index}", "--class", cls, "--methods", "gradcam", "--out", dir.File("byindex") }.Concat(Data).ToArray());
        Assert.True(code == 0, error);
        (code, error) = CliRunner.Run("explain", "--model", teacher, "--image", dir.File("scene.png"), "--class", cls, "--methods", "gradcam", "--out", dir.File("byfile"));
        Assert.True(code == 0, error);
        var byIndex = JsonNode.Parse(File.ReadAllText(dir.File("byindex/explain.json")))!["panels"]!.AsArray().Single()!;
        var byFile = JsonNode.Parse(File.ReadAllText(dir.File("byfile/explain.json")))!["panels"]!.AsArray().Single()!;
        var logits = byIndex["logits"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray();
        Assert.Equal(val.ClassNames.Count, logits.Length);
        Assert.Equal(logits, byFile["logits"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray());
        Assert.Equal(cls, byFile["class"]!.GetValue<string>());
        // An unknown class with an image file is named as not one of the model's classes (the file has none).
        (code, error) = CliRunner.Run("explain", "--model", teacher, "--image", dir.File("scene.png"), "--class", "Unicorn", "--methods", "gradcam", "--out", dir.File("bad"));
        Assert.Equal(2, code);
        Assert.Equal($"error: --class 'Unicorn' is not a class of the model; valid: {string.Join(", ", val.ClassNames)}.", error.Trim());
    }

    [Fact]
    public void ExplainNamesItsSingleHeatmapsByImageClassMethodAndModelWithoutALeadingUnderscore()
    {
        using var dir = new TempFolder();
        var teacher = Teacher(dir);
        var (code, error) = CliRunner.Run(new[] { "explain", "--model", teacher, "--reference", teacher, "--index", "0,1", "--methods", "gradcam,rap", "--out", dir.File("x") }.Concat(Data).ToArray());
        Assert.True(code == 0, error);
        var panels = JsonNode.Parse(File.ReadAllText(dir.File("x/explain.json")))!["panels"]!.AsArray();
        Assert.Equal(8, panels.Count);
        foreach (var panel in panels)
        {
            var file = panel!["file"]!.GetValue<string>();
            Assert.Matches("^[0-9]+-[a-z0-9+-]+\\.png$", file);
            var parts = System.Text.RegularExpressions.Regex.Split(panel["class"]!.GetValue<string>().ToLowerInvariant(), "[^a-z0-9+]+").Where(p => p.Length > 0);
            Assert.Equal($"{panel["image"]}-{string.Join('-', parts)}-{panel["method"]}-{panel["model"]}.png", file);
            Assert.True(File.Exists(dir.File(Path.Combine("x", file))), file);
        }
        Assert.Equal(8, panels.Select(p => p!["file"]!.GetValue<string>()).Distinct().Count());
        Assert.DoesNotContain(Directory.GetFiles(dir.File("x")), f => Path.GetFileName(f).StartsWith('_'));
    }

    /// <summary>A panel's file name reads as its parts: index, class, method, model, lower case, joined by '-'; for any
    /// class name it is made of [a-z0-9+-] only, starts with the index and never holds "--" or a trailing '-'.</summary>
    [Fact]
    public void PanelFileNamesAreLowerCaseWordsJoinedByDashes()
    {
        static string Name(int index, string cls, string method = "gradcam", string model = "model") =>
            Apc.Cli.Commands.ExplainCommand.CellFileName(new Apc.Reporting.AttributionGallery.Cell("row", model, [], "", index, method, cls));
        Assert.Equal("0-ankle-boot-gradcam-model", Name(0, "Ankle boot"));
        Assert.Equal("3-t-shirt-top-lrp-reference", Name(3, "T-shirt/top", "lrp", "reference"));
        Assert.Equal("12-pottedplant-gradcam++-model", Name(12, "pottedplant", "gradcam++"));
        Gen.String.Sample(cls =>
        {
            var name = Name(7, cls);
            Assert.Matches("^7(-[a-z0-9+]+)+$", name);
        }, seed: "0N0XIzNsQ0O2", iter: 500, threads: 1);
    }

    [Fact]
    public void TrainAndEvaluateWorkOnAVocLayoutFolder()
    {
        using var voc = VocFixture.Create();
        using var dir = new TempFolder();
        string[] vocData = { "--dataset", "voc:" + voc.Root, "--image-size", "32", "--batch-size", "4" };
        var (code, error) = CliRunner.Run(new[] { "train", "--arch", "vgg11-bn:w=1/16", "--epochs", "1", "--lr-steps", "", "--out", dir.File("t") }.Concat(vocData).ToArray());
        Assert.True(code == 0, error);
        (code, error) = CliRunner.Run(new[] { "evaluate", "--model", dir.File("t/model.ckpt"), "--methods", "gradcam", "--out", dir.File("e") }.Concat(vocData).ToArray());
        Assert.True(code == 0, error);
        var json = JsonNode.Parse(File.ReadAllText(dir.File("e/evaluation.json")))!;
        // Most VOC classes never occur in the tiny fixture: they are skipped and named, not an error.
        Assert.True(json["skipped_classes"]!.AsArray().Count > 10);
    }
}
