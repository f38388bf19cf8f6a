using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Compression;
using Apc.Data;
using Apc.Matching;
using Apc.Models;
using Apc.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Compression;

/// <summary>docs/compression.md's "Library API" block is the marked region below, run here on tiny networks: the
/// matcher, the composed objective, a kd stage and a pipeline, as the page shows them.</summary>
public class LibraryApiExampleTests
{
    [Fact]
    public void TheCompressionPagesLibraryTourRuns()
    {
        using var dir = new TempFolder();
        manual_seed(1);
        var config = new ModelConfig(ArchSpec.Parse("vgg16-bn:w=1/16"), 1, 4, 32);
        using var teacher = ModelFactory.Create(config);
        using var student = ModelFactory.Create(config);
        var data = TinyDataset.Splits(train: 32, val: 16);
        using var batch = data.Train.GetBatch([0, 1, 2, 3], augment: false);
        Tensor images = batch.Images, labels = batch.Labels;
        var parts = new Dictionary<string, double>();
        var training = new TrainingOptions(Epochs: 1, BatchSize: 16, Seed: 3);
        var outDir = dir.Path;
        var template = new CheckpointInfo("compress", teacher.Arch.ToString(), 1, 4, 32, ["a", "b", "c", "d"],
            new Normalization([0.3f], [0.35f]), "tiny", new JsonObject(), new JsonObject());

        // example: library-api
        var matcher = Matchers.Create(new MatcherOptions(MatchingKind.Wcam, Weight: 100, Drop: 0.3,
            Layers: LayerWeight.ParseList("pool5:1,relu5_3:0.5"), Classes: MatchingClasses.Top1, Seed: 0));
        matcher.Check(teacher, student);                                     // layers exist, map sizes agree
        using MatchingStep step = matcher.Step(teacher, student, images);    // student logits, teacher logits, unweighted L_AM per layer
        IReadOnlyList<LayerMaps> maps = ((MapMatcher)matcher).Maps(teacher, student, images); // normalised maps, no graph (dispose them)

        // The loss, composed in one place: (1−α)·BCE + α·KD(T) + β·Σ_l w_l·L_AM(l) (method.md §3.1).
        var objective = new CompressionObjective(teacher, matcher, new DistillationOptions(Alpha: 0.9, Temperature: 4));
        IReadOnlyList<LossTerm> terms = objective.Terms(student, images, labels, parts); // "bce" (0.1), "kd" (0.9), "l_am" (β)
        Tensor loss = LossTerms.Sum(terms, parts);                                       // the one place a weight multiplies
        var kd = new DistillationStage(new DistillationOptions("vgg16-bn:w=1/16", Alpha: 0.9, Temperature: 4));
        using StageResult result = kd.Run(new StageContext(teacher, teacher, data, matcher, training, outDir, template));

        var pipeline = new CompressionPipeline(new[] { new PipelineStep(kd, training) });  // also an ICompressionStage
        // end example

        try
        {
            Assert.Equal(2, maps.Count);
            Assert.True(double.IsFinite(loss.item<float>()), "the composed loss is finite");
            Assert.Equal(0, loss.dim());
            Assert.Equal("vgg16-bn:w=1/16", result.Model.Arch.ToString());
            Assert.True(File.Exists(result.CheckpointPath));
            Assert.IsAssignableFrom<ICompressionStage>(pipeline);
        }
        finally
        {
            foreach (var m in maps) m.Dispose();
            loss.Dispose();
        }
    }
}
