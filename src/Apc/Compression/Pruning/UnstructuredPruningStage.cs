using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Models;
using Apc.Training;
using Apc.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Compression.Pruning;

/// <summary>Iterative global magnitude pruning (Han et al. 2015; method.md §3). Round r zeroes exactly
/// round(s_r·N) of the N pruned weights, s_r = 1 − (1 − rate)^r, by one global magnitude threshold
/// (<see cref="MagnitudePruning.GlobalMasks"/>), then fine-tunes with BCE + β·L_AM against the teacher (kept in eval
/// mode, unlike the reference) with a fresh optimizer, into OUT/round-r/. The masks are re-applied after every
/// optimizer step, so pruned weights stay exactly zero, and are stored in every checkpoint as "mask/&lt;parameter&gt;".
/// The final model goes to OUT/model.ckpt (with its masks) and OUT/metrics.json. The network keeps its dense shape:
/// the saving is in the zeros (for sparse storage or kernels), not in dense latency.</summary>
public sealed class UnstructuredPruningStage : ICompressionStage
{
    /// <summary>A stage with the checked <paramref name="options"/>.</summary>
    public UnstructuredPruningStage(UnstructuredPruningOptions options) { Options = options.Validated(); }

    /// <summary>The checked options.</summary>
    public UnstructuredPruningOptions Options { get; }

    /// <summary>Logit distillation from the teacher while fine-tuning: the objective becomes (1−α)·BCE + α·KD (+ β·L_AM),
    /// with α and T from these options (their Student is not used); null (the default) = no KD term. With no matcher
    /// this is the "any teacher signal" control for attribution matching.</summary>
    public DistillationOptions? Distillation { get; init; }
    /// <inheritdoc/>
    public string Method => "unstructured";

    /// <inheritdoc/>
    public StageResult Run(StageContext context)
    {
        var device = DeviceParser.Parse(context.Training.Device);
        AtomicFile.EnsureWritableFolder(context.OutDir);
        var model = ModelCopy.Clone(context.Input);
        var masks = new Dictionary<string, Tensor>();
        try
        {
            if (context.Masks is { Count: > 0 })
                throw new ApcException("unstructured pruning of a network that already carries pruning masks is not supported " +
                    "(its schedule would start again from round 1).");
            model.to(device);
            var pruned = MagnitudePruning.PrunableParameters(model, Options.IncludeLinear);
            long total = MagnitudePruning.Sparsity(model, pruned).Total;
            long parametersBefore = model.ParameterCount();
            TrainingResult? training = null;
            CheckpointInfo? best = null;
            string dir = context.OutDir;
            for (int round = 1; round <= Options.Rounds; round++)
            {
                double sparsity = MagnitudePruning.CumulativeSparsity(Options.Rate, round);
                long count = MagnitudePruning.PrunedCount(sparsity, total);
                var next = MagnitudePruning.GlobalMasks(model, pruned, count, masks);
                foreach (var m in masks.Values) m.Dispose();
                masks = next;
                MagnitudePruning.Apply(model, masks);
                context.Monitor?.Message($"unstructured pruning round {round}/{Options.Rounds}: sparsity {sparsity:P2} ({count} of {total} weights)");

                dir = Path.Combine(context.OutDir, $"round-{round}");
                var template = context.Template with { Kind = Method, Compression = Describe(model, pruned, round, sparsity, parametersBefore) };
                var roundMasks = masks;
                (training, best) = StageSupport.FineTune(context, model, dir, template, roundMasks, Distillation);
            }
            var compression = Describe(model, pruned, Options.Rounds, Options.FinalSparsity, parametersBefore);
            var extra = MagnitudePruning.ToExtra(masks);
            var path = StageSupport.SaveFinal(context, model, best! with { Compression = compression }, dir, extra);
            return new StageResult(model, extra, compression, training, path);
        }
        catch
        {
            model.Dispose();
            foreach (var m in masks.Values) m.Dispose();
            throw;
        }
    }

    /// <summary>The measured sparsity (zeros in the weights themselves) per pruned tensor and globally.</summary>
    JsonObject Describe(ClassifierNet model, IReadOnlyList<string> pruned, int round, double target, long parametersBefore)
    {
        var (perTensor, global, zeros, total) = MagnitudePruning.Sparsity(model, pruned);
        return new JsonObject
        {
            ["method"] = Method,
            ["rounds"] = Options.Rounds,
            ["round"] = round,
            ["rate"] = Options.Rate,
            ["include_linear"] = Options.IncludeLinear,
            ["target_sparsity"] = target,
            ["sparsity"] = global,
            ["pruned_weights"] = zeros,
            ["prunable_weights"] = total,
            ["layers"] = new JsonObject(perTensor.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["parameters_before"] = parametersBefore,
            ["nonzero_parameters_after"] = parametersBefore - zeros,
        };
    }
}
