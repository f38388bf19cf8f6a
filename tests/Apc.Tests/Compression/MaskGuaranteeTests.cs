using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Compression;
using Apc.Compression.Pruning;
using Apc.Compression.Quantization;
using Apc.Matching;
using Apc.Models;
using Apc.Training;
using static TorchSharp.torch;
using static Apc.Tests.Compression.Pruning.PruningTestNets;

namespace Apc.Tests.Compression;

/// <summary>What unstructured pruning guarantees holds after every later stage: each pipeline that follows unstructured
/// with other stages ends with every masked weight exactly zero (float weights and integer levels), never more non-zero
/// parameters than the stage before, and the unstructured stage's masks in its final checkpoint, reloaded from disk.</summary>
public class MaskGuaranteeTests
{
    [Theory]
    [InlineData("unstructured,quantize", false)]
    [InlineData("unstructured,quantize", true)]
    [InlineData("unstructured,kd", false)]
    [InlineData("unstructured,kd,quantize", true)]
    public void MasksHoldThroughEveryLaterStage(string stages, bool qat)
    {
        using var dir = new TempFolder();
        using var teacher = Build("vgg11-bn:w=1/16", seed: 2);
        teacher.eval();
        var methods = stages.Split(',');
        CompressionPipeline.CheckOrder(methods);
        // A high learning rate and weight bits fine enough that an unmasked update would move a pruned weight off 0.
        var training = new TrainingOptions(Epochs: 2, BatchSize: 16, LearningRate: 0.1, Seed: 1);
        var steps = methods.Select(m => new PipelineStep(m switch
        {
            "unstructured" => new UnstructuredPruningStage(new UnstructuredPruningOptions(Rounds: 1, Rate: 0.6, IncludeLinear: true)),
            "kd" => new DistillationStage(),
            "quantize" => new QuantizationStage(new QuantizationOptions(Bits: 8, Qat: qat, CalibrationImages: 32, ActivationBits: 4)),
            _ => throw new ArgumentException(m),
        }, training with { Epochs = m == "unstructured" ? 1 : 2 })).ToList();

        var nonzero = new List<long>();
        Dictionary<string, Tensor>? masks = null;
        var pipeline = new CompressionPipeline(steps)
        {
            StepFinished = (index, step, result) =>
            {
                // The masks the unstructured step made are the ones every later step must keep.
                if (index == 1) masks = MagnitudePruning.FromExtra(result.Extra).ToDictionary(kv => kv.Key, kv => kv.Value.clone());
                AssertMasked(result.Model, masks!, $"stage {index} ({step.Stage.Method}) in memory");
                using var saved = Reload(result.CheckpointPath);
                AssertMasked(saved.Model, masks!, $"stage {index} ({step.Stage.Method}) reloaded");
                AssertSameMasks(masks!, MagnitudePruning.FromExtra(saved.Extra), $"stage {index} ({step.Stage.Method}) checkpoint");
                nonzero.Add(NonZero(saved.Model));
            },
        };
        var context = new StageContext(teacher, teacher, TinyDataset.Splits(train: 64, val: 32), NoMatching.Instance, training,
            dir.Path, Template(teacher));
        var final = pipeline.Run(context);
        final.Model.Dispose();
        foreach (var t in final.Extra.Values) t.Dispose();

        Assert.Equal(methods.Length, nonzero.Count);
        Assert.True(masks!.Values.Sum(m => m.numel() - m.count_nonzero().item<long>()) > 0, "degenerate test: nothing was pruned");
        for (int i = 1; i < nonzero.Count; i++)
            Assert.True(nonzero[i] <= nonzero[i - 1], $"non-zero parameters rose from {nonzero[i - 1]} to {nonzero[i]} at stage {i + 1}");

        using var reloaded = Reload(Path.Combine(dir.Path, "model.ckpt"));
        Assert.Equal(CompressionPipeline.Kind, reloaded.Info.Kind);
        AssertMasked(reloaded.Model, masks, "final checkpoint");
        AssertSameMasks(masks, MagnitudePruning.FromExtra(reloaded.Extra), "final checkpoint");
        if (methods[^1] == "quantize")
            foreach (var (name, mask) in masks)
            {
                var levels = reloaded.Extra[QuantizedModel.LevelsKey(name)];
                Assert.Equal(0, levels.masked_select(mask.logical_not()).count_nonzero().item<long>());
            }
        foreach (var m in masks.Values) m.Dispose();
    }

    [Fact]
    public void TheTrainerHoldsMasksInEveryStepAndSavesThem()
    {
        // Without the masks a step moves the pruned weights (the control); with them they stay exactly 0.
        using var dir = new TempFolder();
        using var teacher = Build("vgg11-bn:w=1/16", seed: 4);
        teacher.eval();
        var names = MagnitudePruning.PrunableParameters(teacher, includeLinear: true);
        var masks = MagnitudePruning.GlobalMasks(teacher, names, MagnitudePruning.PrunedCount(0.5, MagnitudePruning.Sparsity(teacher, names).Total));
        foreach (var enforce in new[] { false, true })
        {
            using var model = ModelCopy.Clone(teacher);
            MagnitudePruning.Apply(model, masks);
            var context = Context(teacher, model, Path.Combine(dir.Path, enforce.ToString()));
            var result = Trainer.Fit(new TrainingRun(model, context.Data, new MultiLabelLoss(), context.Training, context.OutDir,
                context.Template, Masks: enforce ? masks : null));
            long regrown = masks.Sum(kv => Param(model, kv.Key).masked_select(kv.Value.logical_not()).count_nonzero().item<long>());
            using var saved = ModelCheckpoint.Load(result.CheckpointPath);
            if (enforce)
            {
                Assert.Equal(0, regrown);
                AssertMasked(saved.Model, masks, "best checkpoint");
                AssertSameMasks(masks, MagnitudePruning.FromExtra(saved.Extra), "best checkpoint");
            }
            else
            {
                Assert.True(regrown > 0, "degenerate test: training does not move pruned weights");
                Assert.Empty(MagnitudePruning.FromExtra(saved.Extra));
            }
        }
        foreach (var m in masks.Values) m.Dispose();
    }

    static ModelCheckpoint Reload(string path)
    {
        var checkpoint = ModelCheckpoint.Load(path);
        QuantizedModel.Attach(checkpoint);
        return checkpoint;
    }

    static long NonZero(ClassifierNet model) => model.parameters().Sum(p => p.count_nonzero().item<long>());

    static void AssertMasked(ClassifierNet model, IReadOnlyDictionary<string, Tensor> masks, string where)
    {
        foreach (var (name, mask) in masks)
        {
            long regrown = Param(model, name).detach().masked_select(mask.logical_not()).count_nonzero().item<long>();
            Assert.True(regrown == 0, $"{where}: {regrown} pruned weights of {name} are non-zero");
        }
    }

    static void AssertSameMasks(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual, string where)
    {
        Assert.True(expected.Keys.Order().SequenceEqual(actual.Keys.Order()), $"{where}: masks [{string.Join(", ", actual.Keys)}]");
        foreach (var (name, mask) in expected) TensorAssert.Same(mask, actual[name], $"{where}: mask of {name}");
    }
}
