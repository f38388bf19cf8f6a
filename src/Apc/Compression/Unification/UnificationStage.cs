using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Compression.Pruning;
using Apc.Models;
using Apc.Training;
using Apc.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Compression.Unification;

/// <summary>Micro-structured weight unification trained with ADMM (the method of Lin et al. 2021; docs/compression.md).
/// Every conv weight is cut into blocks (<see cref="BlockShape"/>); the target is every block sharing one magnitude
/// with each weight's own sign, and round(z·N) of the N blocks at magnitude zero (pruned). The stage runs
/// <list type="number">
/// <item>ADMM (<see cref="UnificationAdmm"/>): per iteration k, a W-step of --admm-epochs epochs training
/// BCE + β·L_AM + ρ_k/2·‖W − Z + U‖² (<see cref="AdmmObjective"/>, with the context's matcher) into OUT/admm-k/, then
/// Z := Proj(W + U) and U := U + W − Z; ρ grows by --rho-growth per iteration;</item>
/// <item>the hard projection W := Proj(W) (<see cref="WeightUnification.Project"/>), which fixes signs and zero blocks;</item>
/// <item>fine-tuning (BCE + β·L_AM, the stage's --epochs, --lr, --lr-steps) into OUT/finetune/ with that structure
/// held: after every optimizer step each block is projected back onto its signs (<see cref="UnifiedTensor.Apply"/>,
/// i.e. SGD on the per-block magnitudes) and the zero blocks are masked as pruning masks ("mask/..." in every
/// checkpoint, <see cref="WeightMasks"/>).</item>
/// </list>
/// OUT/model.ckpt holds the best fine-tuning epoch with its masks; its weights are exactly unified, so it reloads as it
/// was saved. Finished W-steps are replayed from their checkpoints on --resume (Z and U follow from them).</summary>
public sealed class UnificationStage : ICompressionStage
{
    /// <summary>A stage with the checked <paramref name="options"/>.</summary>
    public UnificationStage(UnificationOptions options) { Options = options.Validated(); }

    /// <summary>The checked options.</summary>
    public UnificationOptions Options { get; }
    /// <inheritdoc/>
    public string Method => "unify";

    /// <summary>Called after each ADMM iteration with its number, ρ, ‖W − Proj(W)‖/‖W‖ after the W-step and the primal
    /// residual ‖W − Z‖/‖W‖ after the Z- and dual steps (for tests and progress).</summary>
    public Action<int, double, double, double>? IterationFinished { get; init; }

    /// <inheritdoc/>
    public StageResult Run(StageContext context)
    {
        if (context.Masks is { Count: > 0 })
            throw new ApcException("unify of a network that carries unstructured pruning masks is not supported (its blocks would mix pruned and kept weights).");
        var device = DeviceParser.Parse(context.Training.Device);
        AtomicFile.EnsureWritableFolder(context.OutDir);
        var model = ModelCopy.Clone(context.Input);
        var names = WeightUnification.UnifiedParameters(model);
        var grids = new List<BlockGrid>();
        var structure = new List<UnifiedTensor>();
        var masks = new Dictionary<string, Tensor>();
        try
        {
            model.to(device);
            var block = Options.EffectiveBlock;
            foreach (var w in Weights(model, names)) grids.Add(new BlockGrid(w.shape, block, device));
            long blocks = grids.Sum(g => g.Count);
            long zeroBlocks = WeightUnification.ZeroCount(Options.ZeroFraction, blocks);
            long parametersBefore = model.ParameterCount();
            double distanceBefore = WeightUnification.RelativeDistance(Weights(model, names), grids, zeroBlocks);
            context.Monitor?.Message($"unify: {names.Count} convs, {blocks} blocks of {block}, {zeroBlocks} to zero; " +
                                     $"‖W − Proj(W)‖/‖W‖ = {distanceBefore:G4} before ADMM");

            var objective = new CompressionObjective(context.Teacher, context.Matcher);
            var template = context.Template with { Kind = Method, Compression = null };
            var iterations = new JsonArray();
            using (var admm = new UnificationAdmm(Weights(model, names), grids, zeroBlocks, Options.Rho))
            {
                var schedule = context.Training with { Epochs = Options.AdmmEpochs, LrSteps = Array.Empty<int>() };
                for (int k = 1; k <= Options.AdmmIterations; k++)
                {
                    if (k > 1) admm.ChangeRho(Options.RhoAt(k));
                    var dir = Path.Combine(context.OutDir, $"admm-{k}");
                    var run = new TrainingRun(model, context.Data, new AdmmObjective(objective, admm, names), schedule, dir, template,
                        context.Resume, context.Monitor);
                    var fit = Trainer.Fit(run);
                    using (var best = ModelCheckpoint.Load(fit.CheckpointPath)) ModelCopy.CopyState(best.Model, model);
                    double distance = WeightUnification.RelativeDistance(Weights(model, names), grids, zeroBlocks);
                    admm.Update(Weights(model, names));
                    double primal = admm.PrimalResidual(Weights(model, names));
                    iterations.Add(new JsonObject { ["iteration"] = k, ["rho"] = admm.Rho, ["distance"] = distance, ["primal_residual"] = primal });
                    context.Monitor?.Message($"unify: ADMM iteration {k}/{Options.AdmmIterations}, ρ = {admm.Rho:G4}: ‖W − Proj(W)‖/‖W‖ = {distance:G4}");
                    IterationFinished?.Invoke(k, admm.Rho, distance, primal);
                }
            }

            // The hard projection fixes the structure: signs and zero blocks.
            double distanceAfter = WeightUnification.RelativeDistance(Weights(model, names), grids, zeroBlocks);
            var weights = Weights(model, names);
            structure.AddRange(WeightUnification.Project(weights, grids, zeroBlocks));
            using (no_grad())
                for (int i = 0; i < names.Count; i++)
                {
                    weights[i].copy_(structure[i].Value);
                    masks[names[i]] = structure[i].Mask();
                }
            var fineTuneDir = Path.Combine(context.OutDir, "finetune");
            var fineTuning = new TrainingRun(model, context.Data, objective, context.Training, fineTuneDir,
                template with { Compression = Describe(model, names, zeroBlocks, blocks, parametersBefore, distanceBefore, distanceAfter, iterations) },
                context.Resume, context.Monitor, AfterStep: m => Hold(m, names, structure), Masks: masks);
            var training = Trainer.Fit(fineTuning);
            CheckpointInfo bestInfo;
            using (var best = ModelCheckpoint.Load(training.CheckpointPath))
            {
                ModelCopy.CopyState(best.Model, model);
                bestInfo = best.Info;
            }

            var compression = Describe(model, names, zeroBlocks, blocks, parametersBefore, distanceBefore, distanceAfter, iterations);
            var extra = WeightMasks.CopiesForExtra(masks);
            var path = StageSupport.SaveFinal(context, model, bestInfo with { Compression = compression }, fineTuneDir, extra);
            return new StageResult(model, extra, compression, training, path);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        finally
        {
            foreach (var s in structure) s.Dispose();
            foreach (var g in grids) g.Dispose();
            foreach (var m in masks.Values) m.Dispose();
        }
    }

    /// <summary>Projects every unified weight back onto its fixed structure (after an optimizer step).</summary>
    static void Hold(ClassifierNet model, IReadOnlyList<string> names, IReadOnlyList<UnifiedTensor> structure)
    {
        var weights = Weights(model, names);
        for (int i = 0; i < names.Count; i++) structure[i].Apply(weights[i]);
    }

    static List<Tensor> Weights(ClassifierNet model, IReadOnlyList<string> names)
    {
        var named = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        return names.Select(n => named[n]).ToList();
    }

    /// <summary>The facts measured from the weights (block by block), with the targets and the ADMM history.</summary>
    JsonObject Describe(ClassifierNet model, IReadOnlyList<string> names, long zeroBlocks, long blocks, long parametersBefore,
        double distanceBefore, double distanceAfter, JsonArray iterations)
    {
        var layers = WeightUnification.Measure(model, names, Options.EffectiveBlock);
        long weights = layers.Sum(l => l.Weights), unified = layers.Sum(l => l.UnifiedBlocks), zero = layers.Sum(l => l.ZeroBlocks);
        long zeroWeights = layers.Sum(l => l.ZeroWeights), bits = layers.Sum(l => l.Bits);
        return new JsonObject
        {
            ["method"] = Method,
            ["block_shape"] = Options.EffectiveBlock.ToString(),
            ["target_zero_fraction"] = Options.ZeroFraction,
            ["target_zero_blocks"] = zeroBlocks,
            ["blocks"] = blocks,
            ["unified_blocks"] = unified,
            ["unified_fraction"] = (double)unified / blocks,
            ["zero_blocks"] = zero,
            ["zero_block_fraction"] = (double)zero / blocks,
            ["unified_weights"] = weights,
            ["pruned_weights"] = zeroWeights,
            ["sparsity"] = (double)zeroWeights / weights,
            ["bits"] = bits,
            ["bits_per_weight"] = (double)bits / weights,
            ["dense_bits_per_weight"] = 32,
            ["layers"] = new JsonObject(layers.Select(l => KeyValuePair.Create(l.Name, (JsonNode?)((double)l.ZeroBlocks / l.Blocks)))),
            ["rho"] = Options.Rho,
            ["rho_growth"] = Options.RhoGrowth,
            ["admm_iterations"] = Options.AdmmIterations,
            ["admm_epochs"] = Options.AdmmEpochs,
            ["distance_before_admm"] = distanceBefore,
            ["distance_after_admm"] = distanceAfter,
            ["admm"] = iterations.DeepClone(),
            ["parameters_before"] = parametersBefore,
            ["nonzero_parameters_after"] = parametersBefore - zeroWeights,
        };
    }
}
