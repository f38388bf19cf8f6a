using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Models;
using Apc.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Training;

public class TrainerTests
{
    static ClassifierNet NewModel()
    {
        torch.manual_seed(3);
        return ModelFactory.Create(new ModelConfig(ArchSpec.Parse("vgg11-bn:w=1/16"), 1, 4, 32));
    }

    static TrainingRun Run(ClassifierNet model, string dir, int epochs, bool resume = false, ITrainingObjective? objective = null) =>
        new(model, TinyDataset.Splits(), objective ?? new MultiLabelLoss(),
            new TrainingOptions(Epochs: epochs, BatchSize: 16, LearningRate: 0.05, LrSteps: new[] { 3 }, Seed: 5), dir,
            new CheckpointInfo("teacher", model.Arch.ToString(), 1, 4, 32, new[] { "a", "b", "c", "d" },
                new Apc.Data.Normalization(new[] { 0.3f }, new[] { 0.35f }), "tiny", new JsonObject(), new JsonObject()),
            resume);

    [Fact]
    public void TrainingLearnsAndKeepsTheBestCheckpointAndMetrics()
    {
        using var dir = new TempFolder();
        using var model = NewModel();
        var result = Trainer.Fit(Run(model, dir.Path, 4));
        Assert.Equal(4, result.History.Count);
        Assert.True(result.History[^1].TrainLoss < result.History[0].TrainLoss, "loss should go down");
        Assert.True(result.Best.MapPerClass > 0.8, $"val mAP {result.Best.MapPerClass}");
        Assert.Equal(result.History.Where(h => h.Best).Max(h => h.MapPerClass), result.Best.MapPerClass);
        using var best = ModelCheckpoint.Load(result.CheckpointPath);
        Assert.Equal(result.Best.Epoch, best.Info.Metrics["epoch"]!.GetValue<int>());
        var metrics = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "metrics.json")))!;
        foreach (var key in new[] { "map_per_class", "map_per_image", "f1", "accuracy" })
        {
            var v = metrics[key]!.GetValue<double>();
            Assert.InRange(v, 0, 1);
        }
        Assert.Equal(4, metrics["history"]!.AsArray().Count);
        Assert.Equal(0.005, result.History[3].LearningRate, 12); // divided by 10 from epoch 3 on
    }

    [Fact]
    public void ResumingAfterAnInterruptionEndsWithTheSameWeights()
    {
        using var straight = new TempFolder();
        using var interrupted = new TempFolder();
        using var a = NewModel();
        Trainer.Fit(Run(a, straight.Path, 3));

        using (var first = NewModel()) Trainer.Fit(Run(first, interrupted.Path, 2)); // "killed" after epoch 2
        using var b = NewModel(); // a fresh process: new model, state comes from disk
        var resumed = Trainer.Fit(Run(b, interrupted.Path, 3, resume: true));
        Assert.Equal(new[] { 1, 2, 3 }, resumed.History.Select(h => h.Epoch));
        foreach (var (key, value) in a.state_dict())
            TensorAssert.Same(value, b.state_dict()[key], key);
    }

    [Fact]
    public void ResumeWithNothingSavedSaysItStartsFromEpochOne()
    {
        // A newcomer's finding: --resume on a folder without a saved state trained from epoch 1 without a word.
        using var dir = new TempFolder();
        using var model = NewModel();
        var monitor = new RecordingMonitor();
        var result = Trainer.Fit(Run(model, dir.Path, 1, resume: true) with { Monitor = monitor });
        Assert.Equal(new[] { 1 }, result.History.Select(h => h.Epoch));
        Assert.Contains($"--resume: no saved state in {dir.Path} (train-state.ckpt is written after each finished epoch); starting from epoch 1", monitor.Messages);
    }

    sealed class RecordingMonitor : ITrainingMonitor
    {
        public List<string> Messages { get; } = new();
        public void EpochStarted(int epoch, int epochs, int steps) { }
        public void StepCompleted(int step, double loss) { }
        public void EpochCompleted(EpochRecord record) { }
        public void Message(string text) => Messages.Add(text);
    }

    sealed class ExplodingLoss : ITrainingObjective
    {
        int calls;
        public Tensor Loss(ClassifierNet model, Tensor images, Tensor labels, IDictionary<string, double> parts) =>
            ++calls > 8 ? model.call(images).sum() * float.NaN : MultiLabelLoss.Compute(model.call(images), labels);
    }

    [Fact]
    public void NaNLossStopsWithAClearErrorAndKeepsTheLastGoodCheckpoint()
    {
        using var dir = new TempFolder();
        using var model = NewModel();
        var error = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(Run(model, dir.Path, 3, objective: new ExplodingLoss())));
        Assert.Contains("epoch 2", error.Message);
        using var kept = ModelCheckpoint.Load(Path.Combine(dir.Path, "model.ckpt"));
        Assert.Equal(1, kept.Info.Metrics["epoch"]!.GetValue<int>());
    }
}
