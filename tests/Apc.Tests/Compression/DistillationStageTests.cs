using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Cli.Commands;
using Apc.Compression;
using Apc.Matching;
using Apc.Models;
using Apc.Tests.Matching;
using Apc.Training;
using static TorchSharp.torch;

namespace Apc.Tests.Compression;

public class DistillationStageTests
{
    static readonly ModelConfig TeacherConfig = new(ArchSpec.Parse("vgg11-bn:w=1/16"), 1, 4, 32);

    [Fact]
    public void KdTrainsTheStudentFromItsSpecAndReturnsTheBestCheckpoint()
    {
        using var dir = new TempFolder();
        manual_seed(1);
        using var teacher = ModelFactory.Create(TeacherConfig);
        var template = new CheckpointInfo("compress", teacher.Arch.ToString(), 1, 4, 32, new[] { "a", "b", "c", "d" },
            new Apc.Data.Normalization(new[] { 0.3f }, new[] { 0.35f }), "tiny", new JsonObject(), new JsonObject());
        var stage = new DistillationStage(new DistillationOptions("vgg11-bn:w=1/32"));
        var context = new StageContext(teacher, teacher, TinyDataset.Splits(32, 16), Matchers.Create(new MatcherOptions(MatchingKind.Wcam)),
            new TrainingOptions(Epochs: 2, BatchSize: 16, Seed: 3), dir.Path, template);
        var result = stage.Run(context);
        using var student = result.Model;

        Assert.Equal("kd", stage.Method);
        Assert.Equal("vgg11-bn:w=1/32", student.Arch.ToString());
        Assert.Equal(new ModelConfig(student.Arch, 1, 4, 32), student.Config);
        Assert.Equal(2, result.Training!.History.Count);
        Assert.All(result.Training.History, h => Assert.True(h.LossParts.ContainsKey("kd") && h.LossParts.ContainsKey("match")));
        using var saved = ModelCheckpoint.Load(result.CheckpointPath);
        Assert.Equal("kd", saved.Info.Kind);
        Assert.Equal(0.9, saved.Info.Compression!["alpha"]!.GetValue<double>());
        Assert.Equal("wcam", saved.Info.Compression["matcher"]!.GetValue<string>());
        Assert.Equal(result.Training.Best.Epoch, saved.Info.Metrics["epoch"]!.GetValue<int>());
        foreach (var (key, value) in saved.Model.state_dict()) TensorAssert.Same(value, student.state_dict()[key], key);
        Assert.All(teacher.parameters(), p => Assert.False(p.requires_grad)); // frozen by the objective
    }

    [Fact]
    public void LaterInAPipelineKdDistilsIntoACopyOfItsInput()
    {
        using var dir = new TempFolder();
        manual_seed(1);
        using var teacher = ModelFactory.Create(TeacherConfig);
        using var input = ModelFactory.Create(TeacherConfig with { Arch = ArchSpec.Parse("vgg11-bn:channels=2,M,3,M,4,4,M,4,4,M,5,5,M") });
        var before = input.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var template = new CheckpointInfo("compress", teacher.Arch.ToString(), 1, 4, 32, new[] { "a", "b", "c", "d" },
            new Apc.Data.Normalization(new[] { 0.3f }, new[] { 0.35f }), "tiny", new JsonObject(), new JsonObject());
        var context = new StageContext(teacher, input, TinyDataset.Splits(32, 16), NoMatching.Instance,
            new TrainingOptions(Epochs: 1, BatchSize: 16), dir.Path, template);
        var result = new DistillationStage().Run(context);
        using var student = result.Model;
        Assert.Equal(input.Arch, student.Arch); // not the --student spec
        Assert.Equal("previous stage", result.Compression["student_source"]!.GetValue<string>());
        foreach (var (key, value) in input.state_dict()) TensorAssert.Same(before[key], value, key); // the input is untouched
        Assert.False(student.state_dict()["features.0.weight"].equal(input.state_dict()["features.0.weight"]).all().item<bool>(), "the copy trained");
    }

    [Fact]
    public void StudentsAreBuiltForTheTeachersClassesAndInput()
    {
        using var student = DistillationStage.CreateStudent("resnet18:w=1/16", TeacherConfig);
        Assert.Equal(TeacherConfig with { Arch = ArchSpec.Parse("resnet18:w=1/16") }, student.Config);
        var bad = Assert.Throws<UsageException>(() => DistillationStage.CreateStudent("vgg16-bn:w=x", TeacherConfig));
        Assert.StartsWith("--student: ", bad.Message);
        Assert.Throws<ApcException>(() => DistillationStage.CreateStudent("missing.ckpt", TeacherConfig));
        Assert.Throws<UsageException>(() => new DistillationStage(new DistillationOptions(Alpha: 1.5)));
        Assert.Throws<UsageException>(() => new DistillationStage(new DistillationOptions(Temperature: 0)));
    }

    [Fact]
    public void DistillationFromScratchDecaysTheRateAndFineTuningKeepsItConstant()
    {
        Assert.Equal(new[] { 4, 6 }, CompressStages.DecaySteps(6));
        Assert.Equal(new[] { 5, 7 }, CompressStages.DecaySteps(8));
        Assert.Equal(new[] { 7, 9 }, CompressStages.DecaySteps(10));
        Assert.Empty(CompressStages.DecaySteps(1));
        var settings = new KdSettings();
        var kd = CompressStages.Schedule(settings, fromScratch: true);
        Assert.Equal((6, 0.05), (kd.Epochs, kd.LearningRate));
        Assert.Equal(0.05, kd.LearningRateAt(3), 12);
        Assert.Equal(0.05 * 0.1, kd.LearningRateAt(4), 12);
        Assert.Equal(0.05 * 0.01, kd.LearningRateAt(6), 12);
        var fineTune = CompressStages.Schedule(settings, fromScratch: false);
        Assert.Equal((3, 0.01), (fineTune.Epochs, fineTune.LearningRate));
        Assert.Equal(0.01, fineTune.LearningRateAt(3));
    }
}
