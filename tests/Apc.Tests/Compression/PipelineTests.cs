using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Compression;
using Apc.Matching;
using Apc.Models;
using Apc.Tests.Matching;
using Apc.Training;
using static TorchSharp.torch;

namespace Apc.Tests.Compression;

public class PipelineTests
{
    /// <summary>A stand-in stage without training: its output is a copy of its input with every weight doubled,
    /// saved to its folder. It records what it was given.</summary>
    sealed class DoublingStage : ICompressionStage
    {
        public string Method { get; init; } = "kd";
        public List<StageContext> Calls { get; } = new();

        public StageResult Run(StageContext context)
        {
            Calls.Add(context);
            var model = ModelCopy.Clone(context.Input);
            using (no_grad()) foreach (var p in model.parameters()) p.mul_(2);
            var path = Path.Combine(context.OutDir, "model.ckpt");
            ModelCheckpoint.Save(path, context.Template with { Kind = Method }, model);
            return new StageResult(model, new Dictionary<string, Tensor>(), new JsonObject { ["method"] = Method }, null, path);
        }
    }

    sealed class ReloadingStage : ICompressionStage, IReloadableStage
    {
        public string Method => "quantize";
        public int Runs, Reloads;
        public StageResult Run(StageContext context)
        {
            Runs++;
            return new DoublingStage { Method = Method }.Run(context);
        }
        public StageResult Reload(StageContext context, string checkpointPath)
        {
            Reloads++;
            var checkpoint = ModelCheckpoint.Load(checkpointPath);
            return new StageResult(checkpoint.Model, checkpoint.Extra, new JsonObject { ["reloaded"] = true }, null, checkpointPath);
        }
    }

    static CheckpointInfo Template(ClassifierNet model) => new("compress", model.Arch.ToString(), 1, 3, 64, new[] { "a", "b", "c" },
        new Apc.Data.Normalization(new[] { 0.5f }, new[] { 0.5f }), "tiny", new JsonObject(), new JsonObject());

    static StageContext Context(ClassifierNet teacher, string dir, bool resume = false, IAttributionMatcher? matcher = null) =>
        new(teacher, teacher, TinyDataset.Splits(8, 4), matcher ?? NoMatching.Instance, new TrainingOptions(Epochs: 1), dir, Template(teacher), resume);

    static PipelineStep Step(ICompressionStage stage, int epochs = 1) => new(stage, new TrainingOptions(Epochs: epochs));

    [Fact]
    public void EachStageGetsThePreviousOutputAndTheOriginalTeacher()
    {
        using var dir = new TempFolder();
        using var teacher = MatchingNets.Create();
        var original = teacher.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var a = new DoublingStage();
        var b = new DoublingStage { Method = "structured" };
        var c = new DoublingStage { Method = "quantize" };
        var finished = new List<int>();
        var pipeline = new CompressionPipeline(new[] { Step(a, 5), Step(b), Step(c) }) { StepFinished = (i, _, _) => finished.Add(i) };
        var result = pipeline.Run(Context(teacher, dir.Path));
        using var model = result.Model;

        Assert.Equal(new[] { 1, 2, 3 }, finished);
        Assert.Same(teacher, a.Calls.Single().Input);
        foreach (var stage in new[] { a, b, c }) Assert.Same(teacher, stage.Calls.Single().Teacher);
        Assert.Equal(5, a.Calls.Single().Training.Epochs);
        Assert.Equal(Path.Combine(dir.Path, "stage-2-structured"), b.Calls.Single().OutDir);
        // Three doublings: the final weights are 8 times the teacher's, and the teacher is untouched.
        foreach (var (key, value) in teacher.named_parameters())
        {
            TensorAssert.Same(original[key], value, key);
            TensorAssert.Close(original[key] * 8, model.state_dict()[key], what: key);
        }
        using var final = ModelCheckpoint.Load(Path.Combine(dir.Path, "model.ckpt"));
        Assert.Equal(CompressionPipeline.Kind, final.Info.Kind);
        Assert.Equal(new[] { "kd", "structured", "quantize" },
            final.Info.Compression!["stages"]!.AsArray().Select(s => s!["method"]!.GetValue<string>()));
        foreach (var (key, value) in final.Model.state_dict()) TensorAssert.Same(model.state_dict()[key], value, key);
    }

    [Fact]
    public void ResumeReloadsFinishedStagesAndRerunsTheRest()
    {
        using var dir = new TempFolder();
        using var teacher = MatchingNets.Create();
        var first = new DoublingStage();
        var last = new ReloadingStage();
        new CompressionPipeline(new[] { Step(first), Step(last) }).Run(Context(teacher, dir.Path)).Model.Dispose();
        var expected = ModelCheckpoint.Load(Path.Combine(dir.Path, "model.ckpt"));

        // Interrupted before the last stage finished: its marker is missing.
        File.Delete(Path.Combine(dir.Path, "stage-2-quantize", CompressionPipeline.DoneMarker));
        var again = new DoublingStage();
        var result = new CompressionPipeline(new[] { Step(again), Step(last) }).Run(Context(teacher, dir.Path, resume: true));
        Assert.Empty(again.Calls);
        Assert.Equal(2, last.Runs);
        Assert.Equal(0, last.Reloads);
        foreach (var (key, value) in expected.Model.state_dict()) TensorAssert.Same(value, result.Model.state_dict()[key], key);
        result.Model.Dispose();

        // Everything finished: both reloaded, the reloadable stage through its own Reload.
        result = new CompressionPipeline(new[] { Step(again), Step(last) }).Run(Context(teacher, dir.Path, resume: true));
        Assert.Empty(again.Calls);
        Assert.Equal(1, last.Reloads);
        foreach (var (key, value) in expected.Model.state_dict()) TensorAssert.Same(value, result.Model.state_dict()[key], key);
        result.Model.Dispose();
        expected.Dispose();

        // A changed schedule or matcher is not mixed with old results.
        var changed = Assert.Throws<ApcException>(() =>
            new CompressionPipeline(new[] { Step(again, epochs: 2), Step(last) }).Run(Context(teacher, dir.Path, resume: true)));
        Assert.Contains("other options", changed.Message);
        Assert.Throws<ApcException>(() => new CompressionPipeline(new[] { Step(again), Step(last) })
            .Run(Context(teacher, dir.Path, resume: true, matcher: Matchers.Create(new MatcherOptions(MatchingKind.At)))));
    }

    [Theory]
    [InlineData("quantize,kd", "quantize must be the last")]
    [InlineData("unstructured,structured", "unstructured may only be followed by kd or quantize")]
    [InlineData("unstructured,kd,structured", "unstructured may only be followed by kd or quantize")]
    [InlineData("unstructured,unstructured", "unstructured may only be followed by kd or quantize")]
    [InlineData("", "at least one")]
    public void OrdersThatUndoEarlierStagesAreRefused(string stages, string message)
    {
        var e = Assert.Throws<UsageException>(() =>
            CompressionPipeline.CheckOrder(stages.Split(',', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Contains(message, e.Message);
        CompressionPipeline.CheckOrder(new[] { "structured", "kd", "unstructured", "quantize" });
        CompressionPipeline.CheckOrder(new[] { "unstructured", "kd", "kd", "quantize" });
    }
}
