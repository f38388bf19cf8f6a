using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Data;
using Apc.Models;
using Apc.Tests.Cli;
using Apc.Tests.Data;
using Apc.Training;
using static TorchSharp.torch;

namespace Apc.Tests.Robustness;

/// <summary>The rest of issue 8 §5 and the newcomer pass: each message names the option it is about, with the exit
/// code of its kind (1 a bad file, 2 a bad command line), and says nothing that would mislead.</summary>
public class NewcomerFindingsTests
{
    static readonly string[] Data = { "--dataset", "fashion-scenes", "--train-size", "32", "--val-size", "16", "--batch-size", "16" };

    /// <summary>An untrained fashion-scenes model saved as a checkpoint (finite random weights), optionally with its
    /// weights scaled by <paramref name="scale"/>.</summary>
    static string Checkpoint(TempFolder dir, string name, int imageSize, int classes = 10, float scale = 1f)
    {
        var names = FashionMnist.ClassNames.Take(classes).Concat(Enumerable.Range(0, Math.Max(0, classes - 10)).Select(i => $"extra{i}")).ToList();
        var info = new CheckpointInfo("teacher", "vgg11-bn:w=1/16", 1, classes, imageSize, names, FashionScenesDataset.DefaultNormalization,
            "fashion-scenes", CheckpointInfo.MakeProvenance("apc train", 0, null), new JsonObject());
        using var model = ModelFactory.Create(new ModelConfig(ArchSpec.Parse(info.Arch), 1, classes, imageSize));
        if (scale != 1f)
            using (no_grad())
                foreach (var p in model.parameters()) p.mul_(scale);
        var path = dir.File(name);
        ModelCheckpoint.Save(path, info, model);
        return path;
    }

    static void OneLine(string error) => Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));

    [Fact]
    public void ASizeMismatchOfTheReferenceNamesReferenceInEvaluateAndExplain()
    {
        using var dir = new TempFolder();
        var model = Checkpoint(dir, "m32.ckpt", 32);
        var reference = Checkpoint(dir, "r64.ckpt", 64);
        var (code, error) = CliRunner.Run(new[] { "evaluate", "--model", model, "--reference", reference, "--methods", "gradcam", "--out", dir.File("e") }.Concat(Data).ToArray());
        Assert.Equal(1, code);
        Assert.StartsWith("error: --reference: the reference model takes 1x64x64 images", error);
        OneLine(error);
        // explain did not check the reference at all before.
        (code, error) = CliRunner.Run(new[] { "explain", "--model", model, "--reference", reference, "--methods", "gradcam", "--out", dir.File("x") }.Concat(Data).ToArray());
        Assert.Equal(1, code);
        Assert.StartsWith("error: --reference: the reference model takes 1x64x64 images", error);
        // And --model against data of another size still names --model.
        (code, error) = CliRunner.Run(new[] { "evaluate", "--model", model, "--image-size", "64", "--out", dir.File("e2") }.Concat(Data).ToArray());
        Assert.Equal(1, code);
        Assert.StartsWith("error: --model: the model takes 1x32x32 images", error);
    }

    [Fact]
    public void AStudentCheckpointThatDoesNotFitExitsAsATeacherThatDoesNotFit()
    {
        using var dir = new TempFolder();
        var teacher = Checkpoint(dir, "t32.ckpt", 32);
        var student = Checkpoint(dir, "s12.ckpt", 32, classes: 12);
        var (code, studentError) = CliRunner.Run(new[] { "compress", "kd", "--teacher", teacher, "--student", student, "--epochs", "1", "--lr-steps", "", "--out", dir.File("kd") }.Concat(Data).ToArray());
        Assert.Contains("--student", studentError);
        int studentCode = code;
        (code, var teacherError) = CliRunner.Run(new[] { "compress", "kd", "--teacher", teacher, "--student", "vgg11-bn:w=1/16", "--image-size", "64", "--epochs", "1", "--lr-steps", "", "--out", dir.File("kd2") }.Concat(Data).ToArray());
        Assert.Contains("teacher", teacherError);
        // Both are input files that do not fit: exit 1, one line each.
        Assert.Equal(1, studentCode);
        Assert.Equal(1, code);
        OneLine(studentError);
        OneLine(teacherError);
    }

    [Fact]
    public void AnOcclusionPatchLargerThanTheModelsInputIsRefusedBeforeAnyWork()
    {
        using var dir = new TempFolder();
        var model = Checkpoint(dir, "m32.ckpt", 32);
        foreach (var verb in new[] { "evaluate", "explain" })
        {
            var (code, error) = CliRunner.Run(new[] { verb, "--model", model, "--methods", "occlusion", "--patch", "40", "--stride", "8", "--out", dir.File(verb) }.Concat(Data).ToArray());
            Assert.Equal(2, code);
            Assert.StartsWith("error: --patch 40: the occlusion patch is larger than the model's input (32x32 px); give at most 32.", error);
            OneLine(error);
            Assert.False(Directory.Exists(dir.File(verb)) && Directory.EnumerateFileSystemEntries(dir.File(verb)).Any(), $"{verb} wrote into its folder");
        }
        // A patch of the whole image is allowed: one occluded position.
        var (ok, okError) = CliRunner.Run(new[] { "explain", "--model", model, "--methods", "occlusion", "--patch", "32", "--stride", "8", "--out", dir.File("whole") }.Concat(Data).ToArray());
        Assert.True(ok == 0, okError);
        // RISE's mask cell likewise.
        var (riseCode, riseError) = CliRunner.Run(new[] { "explain", "--model", model, "--methods", "rise", "--masks", "4", "--cell", "33", "--out", dir.File("rise") }.Concat(Data).ToArray());
        Assert.Equal(2, riseCode);
        Assert.StartsWith("error: --cell 33: a RISE mask cell is larger than the model's input (32x32 px); give at most 32.", riseError);
        OneLine(riseError);
    }

    /// <summary>Each perturbation option out of its range is told by its flag, not by the library's field name
    /// ("attribution option patch size"), and before any model or data is read (the model path here does not exist).</summary>
    [Theory]
    [InlineData("occlusion", "--patch", "0", "error: --patch must be at least 1 pixel (got 0).")]
    [InlineData("occlusion", "--stride", "0", "error: --stride must be at least 1 pixel (got 0).")]
    [InlineData("occlusion", "--stride", "9", "error: --stride 9 is larger than --patch 8 (its default): pixels between patches would be covered by none and get no value; give a stride of at most the patch size.")]
    [InlineData("rise", "--masks", "0", "error: --masks must be at least 1 (got 0).")]
    [InlineData("rise", "--cell", "0", "error: --cell must be at least 1 pixel (got 0).")]
    [InlineData("rise", "--keep", "1.5", "error: --keep must be a probability in (0, 1] (got 1.5).")]
    [InlineData("rise", "--keep", "0", "error: --keep must be a probability in (0, 1] (got 0).")]
    [InlineData("rise", "--perturbation-batch", "0", "error: --perturbation-batch must be at least 1 (got 0).")]
    [InlineData("occlusion", "--baseline", "Infinity", "error: --baseline must be a finite number (got Infinity).")]
    public void APerturbationOptionOutOfRangeNamesItsFlag(string method, string option, string value, string expected)
    {
        foreach (var verb in new[] { "evaluate", "explain" })
        {
            var (code, error) = CliRunner.Run(verb, "--model", "/nonexistent/m.ckpt", "--methods", method, option, value);
            Assert.Equal(2, code);
            Assert.Equal(expected, error.Trim());
        }
    }

    [Fact]
    public void AFailedEvaluateWithForceLeavesTheEarlierEvaluationAndItsFingerprintAsTheyWere()
    {
        using var dir = new TempFolder();
        var model = Checkpoint(dir, "m32.ckpt", 32);
        var @out = dir.File("e");
        string[] first = new[] { "evaluate", "--model", model, "--methods", "gradcam", "--out", @out }.Concat(Data).ToArray();
        var (code, error) = CliRunner.Run(first);
        Assert.True(code == 0, error);
        var files = new[] { "fingerprint.json", "evaluation.json", "evaluation.md", "pairs.json" };
        var before = files.ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(@out, f)));
        // Data of another size than the model takes: found only once the data are open, after the folder was checked.
        (code, error) = CliRunner.Run(new[] { "evaluate", "--model", model, "--methods", "gradcam,lrp", "--image-size", "64", "--force", "--out", @out }.Concat(Data).ToArray());
        Assert.Equal(1, code);
        Assert.StartsWith("error: --model: the model takes 1x32x32 images", error);
        foreach (var f in files) Assert.Equal(before[f], File.ReadAllBytes(Path.Combine(@out, f)));
        // So the first command still finds its own run there and recomputes it without --force.
        (code, error) = CliRunner.Run(first);
        Assert.True(code == 0, error);
        Assert.Equal(before["fingerprint.json"], File.ReadAllBytes(Path.Combine(@out, "fingerprint.json")));
    }

    [Fact]
    public void ATeacherWhoseLogitsAreNotFiniteIsNotBlamedOnTheLearningRate()
    {
        using var dir = new TempFolder();
        // Finite weights (so the NaN-weight check passes) that overflow float32 in the forward pass.
        var teacher = Checkpoint(dir, "huge.ckpt", 32, scale: 1e30f);
        var (code, error) = CliRunner.Run(new[] { "compress", "kd", "--teacher", teacher, "--student", "vgg11-bn:w=1/16", "--epochs", "1", "--lr-steps", "", "--out", dir.File("kd") }.Concat(Data).ToArray());
        Assert.Equal(1, code);
        Assert.Contains("teacher", error);
        Assert.Contains("--lr is not the cause", error);
        Assert.DoesNotContain("Try a lower --lr", error);
        OneLine(error);
    }

    [Fact]
    public void TheDivergenceMessageBlamesTheLearningRateOnlyWhenUpdatesCouldHaveCausedIt()
    {
        var teacherNaN = Trainer.DivergenceMessage(double.NaN, 2, 5, new Dictionary<string, double> { ["bce"] = 0.7, ["kd"] = double.NaN }, updatedBefore: true, "out");
        Assert.Contains("teacher", teacherNaN);
        Assert.DoesNotContain("lower --lr", teacherNaN);
        Assert.Contains("kd = NaN", teacherNaN);
        var atStart = Trainer.DivergenceMessage(double.PositiveInfinity, 1, 1, new Dictionary<string, double> { ["bce"] = double.PositiveInfinity }, updatedBefore: false, "out");
        Assert.Contains("before any weight update", atStart);
        Assert.DoesNotContain("lower --lr", atStart);
        var diverged = Trainer.DivergenceMessage(double.NaN, 3, 7, new Dictionary<string, double> { ["bce"] = double.NaN, ["kd"] = double.NaN }, updatedBefore: true, "out");
        Assert.EndsWith("Try a lower --lr.", diverged);
    }

    [Fact]
    public void VocIdsMayHoldSpacesAndPerClassListLinesGiveTheirId()
    {
        using var voc = VocFixture.Create();
        var spaced = "2008 000001 b";
        var original = VocFixture.DogAndPerson.Id;
        File.Move(voc.ImagePath(original), voc.ImagePath(spaced));
        File.Move(voc.AnnotationPath(original), voc.AnnotationPath(spaced));
        File.WriteAllText(Path.Combine(voc.Root, "ImageSets", "Main", "val.txt"), $"{spaced}\n{VocFixture.Bird.Id}  1\n");
        var data = new VocDataset(voc.Root, VocSplit.Val, imageSize: 16);
        Assert.Equal(new[] { spaced, VocFixture.Bird.Id }, data.ImageIds);
        Assert.Equal(VocFixture.DogAndPerson.ClassIndices, data.GetLabels(0));
        Assert.Equal(VocFixture.Bird.ClassIndices, data.GetLabels(1));
        using var batch = data.GetBatch([0, 1], augment: false);
        Assert.Equal(new long[] { 2, 3, 16, 16 }, batch.Images.shape);
    }

    [Fact]
    public void AValueThatIsNotANumberNamesItsOption()
    {
        var (code, error) = CliRunner.Run("train", "--epochs", "abc");
        Assert.Equal(2, code);
        Assert.Equal("error: --epochs: 'abc' is not a whole number.", error.Trim());
        // A whole number too large for the option is told as such, not as "not a whole number".
        (code, error) = CliRunner.Run("train", "--threads", "99999999999");
        Assert.Equal(2, code);
        Assert.Equal("error: --threads: '99999999999' is too large (at most 2147483647).", error.Trim());
        // A missing checkpoint is named with the option that gave it.
        (code, error) = CliRunner.Run("evaluate", "--model", "/nonexistent/model.ckpt");
        Assert.Equal(1, code);
        Assert.Equal("error: --model checkpoint '/nonexistent/model.ckpt': file not found.", error.Trim());
        // The reader checks the path once, and every error it gives names the option too.
        using (var dir = new TempFolder())
        {
            var foreign = dir.File("notes.ckpt");
            File.WriteAllText(foreign, "not a checkpoint");
            (code, error) = CliRunner.Run("evaluate", "--model", foreign);
            Assert.Equal(1, code);
            Assert.Equal($"error: --model checkpoint '{foreign}': not an apc checkpoint (unknown format; import PyTorch files with 'apc import').", error.Trim());
        }
        // An optional whole number (int?) given a fraction is told it needs a whole number, not "a number".
        (code, error) = CliRunner.Run("compress", "kd", "--teacher", "t.ckpt", "--epochs", "1.5");
        Assert.Equal(2, code);
        Assert.Equal("error: --epochs: '1.5' is not a whole number.", error.Trim());
        (code, error) = CliRunner.Run("train", "--lr=fast");
        Assert.Equal(2, code);
        Assert.Equal("error: --lr: 'fast' is not a number.", error.Trim());
        // The same words where a plan is checked without running (ApcApp.Check).
        var e = Assert.Throws<UsageException>(() => Apc.Cli.ApcApp.Check(["train", "--batch-size", "x"]));
        Assert.Equal("--batch-size: 'x' is not a whole number.", e.Message);
        // An optional number (double?, int?) is named as a number, not as .NET's Nullable`1.
        (code, error) = CliRunner.Run("compress", "structured", "--teacher", "t.ckpt", "--ratio", "abc");
        Assert.Equal(2, code);
        Assert.Equal("error: --ratio: 'abc' is not a number.", error.Trim());
    }

    [Fact]
    public void UsageErrorsFoundBeforeTheOutputFolderIsMade()
    {
        using var dir = new TempFolder();
        foreach (var device in new[] { "gpu", "cuda:x", "cuda:" })
        {
            var (code, error) = CliRunner.Run(CliRunner.TinyTrain(dir.File("t"), "--device", device));
            Assert.Equal(2, code);
            Assert.Equal($"error: --device '{device}': expected cpu, cuda or cuda:N.", error.Trim());
        }
        var (c, e) = CliRunner.Run("evaluate", "--model", "m.ckpt", "--tolerance", "-1", "--out", dir.File("e"));
        Assert.Equal(2, c);
        Assert.Equal("error: --tolerance must be a finite number of pixels ≥ 0 (got -1).", e.Trim());
        (c, e) = CliRunner.Run(CliRunner.TinyTrain(dir.File("t"), "--arch", "vgg16-bn:w=16"));
        Assert.Equal(2, c);
        Assert.Equal("error: architecture 'vgg16-bn:w=16': width '16' must be a number in (0, 8] or a fraction like 1/8.", e.Trim());
        Assert.False(Directory.Exists(dir.File("t")));
        Assert.False(Directory.Exists(dir.File("e")));
        // The same checks where a plan is checked without running.
        Assert.Contains("--tolerance must be", Assert.Throws<UsageException>(() => Apc.Cli.ApcApp.Check(["evaluate", "--model", "m.ckpt", "--tolerance", "-1"])).Message);
        Assert.Contains("--device 'gpu'", Assert.Throws<UsageException>(() => Apc.Cli.ApcApp.Check(["train", "--device", "gpu"])).Message);
    }

    [Theory]
    [InlineData("0x2")]
    [InlineData("#2")]
    [InlineData("2,000")]
    public void AWholeNumberOptionReadsDecimalDigitsOnly(string value)
    {
        // .NET's Int32Converter, which the parser uses, reads "0x2" and "#2" as 2: such a value must be refused, not run.
        var (code, error) = CliRunner.Run("train", "--threads", value);
        Assert.Equal(2, code);
        Assert.Equal($"error: --threads: '{value}' is not a whole number.", error.Trim());
        // An optional whole number (int?) as well; its message cannot tell int? from double?, so it says "a number".
        var e = Assert.Throws<UsageException>(() => Apc.Cli.ApcApp.Check(["compress", "kd", "--teacher", "t.ckpt", "--epochs", value]));
        Assert.Equal($"--epochs: '{value}' is not a number.", e.Message);
    }

    [Theory]
    [InlineData("3", 3)]
    [InlineData("-1", -1)]
    [InlineData(" 7 ", 7)]
    public void TheDecimalConverterReadsWhatInt32ParseReads(string text, int expected)
    {
        Apc.Cli.Settings.DecimalInt32Converter.Register();
        var converter = System.ComponentModel.TypeDescriptor.GetConverter(typeof(int));
        Assert.IsType<Apc.Cli.Settings.DecimalInt32Converter>(converter);
        Assert.Equal(expected, converter.ConvertFromInvariantString(text));
        Assert.Equal(expected, int.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void TheDataRootHintIsOnlyGivenWhenDataRootWasNot()
    {
        using var dir = new TempFolder();
        // --data-root given: the message says what the folder must hold, not "pass --data-root".
        var (code, error) = CliRunner.Run(CliRunner.TinyTrain(dir.File("t"), "--data-root", dir.Path));
        Assert.Equal(1, code);
        Assert.Contains("--data-root must name the folder holding", error);
        Assert.DoesNotContain("pass --data-root", error);
        var missing = dir.File("nowhere");
        (code, error) = CliRunner.Run(CliRunner.TinyTrain(dir.File("t"), "--data-root", missing));
        Assert.Equal(1, code);
        Assert.Contains(missing, error);
        Assert.DoesNotContain("pass --data-root", error);
    }

    [Fact]
    public void InfoShowsCountsInFullAndTextUnescaped()
    {
        var facts = System.Text.Json.Nodes.JsonNode.Parse("""{"compression":{"bits":4367526,"macs_before":99700736,"ratio":0.457113025,"weight_tensors":"quant/<param>.int8"}}""")!.AsObject();
        var rows = Apc.Cli.Commands.InfoCommand.Flatten("", facts).ToDictionary(r => r.Item1, r => r.Item2);
        Assert.Equal("4367526", rows["compression.bits"]);
        Assert.Equal("99700736", rows["compression.macs_before"]);
        Assert.Equal("0.457113", rows["compression.ratio"]);
        Assert.Equal("quant/<param>.int8", rows["compression.weight_tensors"]);
    }
}
