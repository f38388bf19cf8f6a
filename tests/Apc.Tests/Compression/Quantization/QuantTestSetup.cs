using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Compression;
using Apc.Data;
using Apc.Matching;
using Apc.Models;
using Apc.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Compression.Quantization;

/// <summary>Tiny networks, data and stage contexts shared by the quantization tests.</summary>
static class QuantTestSetup
{
    public const string Arch = "vgg11-bn:w=1/16";

    public static ClassifierNet NewModel(string arch = Arch, int seed = 3)
    {
        torch.manual_seed(seed);
        return ModelFactory.Create(new ModelConfig(ArchSpec.Parse(arch), 1, 4, 32));
    }

    /// <summary>A model with realistic batch-norm statistics: a few training steps' worth of running means and
    /// variances, so that activations have data-dependent ranges as in a trained network.</summary>
    public static ClassifierNet NewModelWithStatistics(DataSplits data, string arch = Arch)
    {
        var model = NewModel(arch);
        model.train();
        using (no_grad())
        using (var batch = data.Train.GetBatch(Enumerable.Range(0, 32).ToArray(), augment: false))
            for (int i = 0; i < 10; i++) model.call(batch.Images).Dispose();
        model.eval();
        return model;
    }

    public static DataSplits Data() => TinyDataset.Splits(train: 64, val: 32);

    public static Tensor ValImages(DataSplits data, int count = 16)
    {
        using var batch = data.Val.GetBatch(Enumerable.Range(0, count).ToArray(), augment: false);
        return batch.Images.clone();
    }

    public static CheckpointInfo Template() =>
        new("teacher", Arch, 1, 4, 32, new[] { "a", "b", "c", "d" },
            new Normalization(new[] { 0.3f }, new[] { 0.35f }), "tiny", new JsonObject(), new JsonObject());

    public static StageContext Context(ClassifierNet teacher, DataSplits data, string outDir, int epochs = 1, bool resume = false) =>
        new(teacher, teacher, data, NoMatching.Instance,
            new TrainingOptions(Epochs: epochs, BatchSize: 16, LearningRate: 0.01, Seed: 5), outDir, Template(), resume);

    public static Tensor Logits(ClassifierNet model, Tensor images)
    {
        model.eval();
        using var _ = no_grad();
        return model.call(images);
    }
}
