using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Compression;
using Apc.Compression.Pruning;
using Apc.Matching;
using Apc.Models;
using Apc.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Compression.Pruning;

/// <summary>Small networks and contexts for the pruning tests.</summary>
internal static class PruningTestNets
{
    public static ClassifierNet Build(string arch, int inChannels = 1, int classes = 4, int size = 32, int seed = 0)
    {
        torch.manual_seed(seed);
        return ModelFactory.Create(new ModelConfig(ArchSpec.Parse(arch), inChannels, classes, size));
    }

    /// <summary>Gives every bias, batch-norm scale, shift and running statistic a random non-trivial value, so that
    /// surgery tests would notice a wrongly sliced entry (fresh ones are 0, 1, 0, 1 everywhere).</summary>
    public static void Randomize(ClassifierNet model, int seed)
    {
        torch.manual_seed(seed);
        using var _ = no_grad();
        foreach (var (name, tensor) in model.state_dict())
        {
            if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal)) continue;
            if (name.EndsWith("running_var", StringComparison.Ordinal)) tensor.copy_(rand_like(tensor) + 0.5);
            else if (name.EndsWith(".bias", StringComparison.Ordinal) || name.EndsWith("running_mean", StringComparison.Ordinal))
                tensor.copy_(randn_like(tensor) * 0.1);
            else if (model.Node(name[..name.LastIndexOf('.')]).Kind == LayerKind.BatchNorm)
                tensor.copy_(rand_like(tensor) + 0.5);
        }
    }

    public static ClassifierNet Clone(ClassifierNet model) => ModelCopy.Clone(model);

    /// <summary>Logits of <paramref name="model"/> in evaluation mode, without autograd history.</summary>
    public static Tensor Logits(ClassifierNet model, Tensor images)
    {
        model.eval();
        using var _ = no_grad();
        return model.call(images);
    }

    public static Tensor Param(ClassifierNet model, string name) =>
        model.named_parameters().Single(p => p.name == name).parameter;

    public static CheckpointInfo Template(ClassifierNet model) =>
        new("teacher", model.Arch.ToString(), model.Config.InChannels, model.Config.NumClasses, model.Config.ImageSize,
            Enumerable.Range(0, model.Config.NumClasses).Select(k => $"class{k}").ToList(),
            new Apc.Data.Normalization(new[] { 0.3f }, new[] { 0.35f }), "tiny", new JsonObject(), new JsonObject());

    public static StageContext Context(ClassifierNet teacher, ClassifierNet input, string outDir, int epochs = 1) =>
        new(teacher, input, TinyDataset.Splits(train: 64, val: 32), NoMatching.Instance,
            new TrainingOptions(Epochs: epochs, BatchSize: 16, LearningRate: 0.02, Seed: 1), outDir, Template(input));
}

/// <summary>A criterion with scores fixed by the test, to choose exactly which filters a plan keeps.</summary>
internal sealed class FixedScores : IFilterCriterion
{
    readonly Func<ChannelGroup, double[]> scores;
    public FixedScores(Func<ChannelGroup, double[]> scores) { this.scores = scores; }
    public string Name => "fixed";
    public IReadOnlyDictionary<string, double[]> Score(ClassifierNet model, IReadOnlyList<ChannelGroup> groups) =>
        groups.ToDictionary(g => g.Conv, scores);
}
