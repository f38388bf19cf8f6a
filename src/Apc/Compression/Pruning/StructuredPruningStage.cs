using System.Text.Json.Nodes;
using Apc.Models;
using Apc.Training;
using Apc.Util;

namespace Apc.Compression.Pruning;

/// <summary>Structured filter pruning (Li et al. 2017; method.md §3): plan which output filters each chosen conv
/// keeps (<see cref="PruningPlan"/>), cut them out of a physically smaller network (<see cref="ChannelSurgery"/>),
/// fine-tune with BCE + β·L_AM against the teacher keeping the best-on-validation weights.
///
/// Iterative (N &gt; 1): the target is reached in N steps; after iteration i a conv with n filters and target
/// K = ⌊n·(1−p)⌋ keeps n − round((n − K)·i/N), re-scored on the fine-tuned network each time. Files: one-shot
/// fine-tunes into OUT (model.ckpt, metrics.json, plan.json); iterative into OUT/iteration-i/ (each with its
/// plan.json), and the final model is written to OUT/model.ckpt and OUT/metrics.json.</summary>
public sealed class StructuredPruningStage : ICompressionStage
{
    /// <summary>A stage with the checked <paramref name="options"/>.</summary>
    public StructuredPruningStage(StructuredPruningOptions options) { Options = options.Validated(); }

    /// <summary>The checked options.</summary>
    public StructuredPruningOptions Options { get; }

    /// <summary>Logit distillation from the teacher while fine-tuning: the objective becomes (1−α)·BCE + α·KD (+ β·L_AM),
    /// with α and T from these options (their Student is not used); null (the default) = no KD term. With no matcher
    /// this is the "any teacher signal" control for attribution matching.</summary>
    public DistillationOptions? Distillation { get; init; }
    /// <inheritdoc/>
    public string Method => "structured";

    /// <inheritdoc/>
    public StageResult Run(StageContext context)
    {
        var input = context.Input;
        if (context.Masks is { Count: > 0 })
            throw new ApcException("structured pruning of a network that carries unstructured pruning masks is not supported " +
                "(surgery would have to cut the masks with the weights).");
        if (input.Arch.Blocks is not null)
            throw new ApcException($"structured pruning of the block-sparse network {input.Arch} is not supported (its grouped convs tie channels in blocks).");
        var ratios = Options.LayerRatios(input);
        var groups = PruningDependencies.Groups(input).Where(g => ratios.ContainsKey(g.Conv)).ToList();
        var original = groups.ToDictionary(g => g.Conv, g => g.Channels);
        var target = groups.ToDictionary(g => g.Conv, g => PruningPlan.KeepCount(g.Channels, ratios[g.Conv]));
        // Kept filters in the numbering of the input network, composed over iterations.
        var keptOriginal = groups.ToDictionary(g => g.Conv, g => Enumerable.Range(0, g.Channels).ToArray());
        var criterion = FilterCriteria.Create(context, Options);
        long parametersBefore = input.ParameterCount(), macsBefore = input.MultiplyAccumulates();
        AtomicFile.EnsureWritableFolder(context.OutDir);

        ClassifierNet current = input;
        try
        {
            TrainingResult? training = null;
            Checkpoints.CheckpointInfo? best = null;
            string dir = context.OutDir;
            JsonObject compression = new();
            for (int iteration = 1; iteration <= Options.Rounds; iteration++)
            {
                int step = iteration, steps = Options.Rounds;
                var keep = groups.ToDictionary(g => g.Conv,
                    g => original[g.Conv] - (int)Math.Round((original[g.Conv] - target[g.Conv]) * (double)step / steps, MidpointRounding.AwayFromZero));
                var plan = PruningPlan.FromKeepCounts(current, criterion, keep);
                foreach (var layer in plan.Layers)
                    keptOriginal[layer.Group.Conv] = layer.Kept.Select(i => keptOriginal[layer.Group.Conv][i]).ToArray();
                context.Monitor?.Message($"structured pruning {iteration}/{steps}: {plan.Source} -> {plan.PrunedArch()} ({criterion.Name})");

                var next = ChannelSurgery.Apply(current, plan);
                if (!ReferenceEquals(current, input)) current.Dispose();
                current = next;

                dir = steps == 1 ? context.OutDir : Path.Combine(context.OutDir, $"iteration-{iteration}");
                AtomicFile.WriteJson(Path.Combine(dir, "plan.json"), plan.ToJson());
                compression = Describe(input.Arch, current, groups, ratios, keptOriginal, iteration, parametersBefore, macsBefore);
                var template = context.Template with { Kind = Method, Compression = compression };
                (training, best) = StageSupport.FineTune(context, current, dir, template, distillation: Distillation);
            }
            var path = Options.Rounds == 1 ? training!.CheckpointPath : StageSupport.SaveFinal(context, current, best!, dir);
            return new StageResult(current, new Dictionary<string, TorchSharp.torch.Tensor>(), compression, training, path);
        }
        catch
        {
            if (!ReferenceEquals(current, input)) current.Dispose();
            throw;
        }
    }

    JsonObject Describe(ArchSpec source, ClassifierNet pruned, IReadOnlyList<ChannelGroup> groups,
        IReadOnlyDictionary<string, double> ratios, IReadOnlyDictionary<string, int[]> kept, int iteration,
        long parametersBefore, long macsBefore)
    {
        var layers = new JsonArray();
        foreach (var g in groups)
            layers.Add(new JsonObject
            {
                ["layer"] = g.Conv,
                ["alias"] = g.Alias,
                ["ratio"] = ratios[g.Conv],
                ["channels"] = g.Channels,
                ["kept"] = kept[g.Conv].Length,
                ["kept_indices"] = new JsonArray(kept[g.Conv].Select(i => (JsonNode)i).ToArray()),
            });
        return new JsonObject
        {
            ["method"] = Method,
            ["criterion"] = Options.Criterion,
            ["ratio"] = Options.Ratio,
            ["preset"] = Options.Preset,
            ["layer_ratios"] = Options.PerLayer is null ? null
                : new JsonObject(Options.PerLayer.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["iterations"] = Options.Rounds, // the key metrics.json had before --rounds, kept so earlier runs' files read alike
            ["iteration"] = iteration,
            ["calibration_images"] = Options.Criterion == "attribution" ? Options.CalibrationImages : null,
            ["source_arch"] = source.ToString(),
            ["pruned_arch"] = pruned.Arch.ToString(),
            ["layers"] = layers,
            ["parameters_before"] = parametersBefore,
            ["parameters_after"] = pruned.ParameterCount(),
            ["macs_before"] = macsBefore,
            ["macs_after"] = pruned.MultiplyAccumulates(),
        };
    }
}
