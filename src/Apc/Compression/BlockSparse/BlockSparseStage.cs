using System.Text.Json.Nodes;
using Apc.Compression.Pruning;
using Apc.Models;
using Apc.Training;
using Apc.Util;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Compression.BlockSparse;

/// <summary>Block-sparse compression from channel permutations (the idea of MPDCompress; docs/compression.md). Each chosen
/// conv gets seeded random permutations of its input and output channels and keeps only the G diagonal blocks of its
/// weight in that permuted basis (<see cref="BlockLayout"/>). Fine-tuning with BCE + β·L_AM against the teacher
/// (the shared <see cref="StageSupport.FineTune"/>) runs on the masked dense network, the masks re-applied after every
/// optimizer step so off-block weights stay exactly zero; its checkpoints go to OUT/masked/. Then
/// <see cref="BlockSurgery.Apply"/> turns every masked conv into gather → grouped conv → scatter, the same function with
/// 1/G of the weights and MACs; OUT/model.ckpt holds that grouped network, whose architecture spec (":blocks=...,
/// :block-seed=...") rebuilds it exactly.</summary>
public sealed class BlockSparseStage : ICompressionStage
{
    /// <summary>A stage with the checked <paramref name="options"/>.</summary>
    public BlockSparseStage(BlockSparseOptions options) { Options = options.Validated(); }

    /// <summary>The checked options.</summary>
    public BlockSparseOptions Options { get; }
    /// <inheritdoc/>
    public string Method => "block-sparse";

    /// <inheritdoc/>
    public StageResult Run(StageContext context)
    {
        var input = context.Input;
        if (context.Masks is { Count: > 0 })
            throw new ApcException("block-sparse compression of a network that carries unstructured pruning masks is not supported.");
        if (input.Arch.Blocks is not null)
            throw new ApcException($"{input.Arch} is already block-sparse; block-sparse compression needs a dense network.");
        var grouped = input.Arch with { Blocks = Options.LayerBlocks(input), BlockSeed = Options.Seed };
        ArchitectureFamilies.Get(grouped.Family).Validate(grouped, grouped.ToString()); // e.g. ResNet: one line, before training
        AtomicFile.EnsureWritableFolder(context.OutDir);

        var model = ModelCopy.Clone(input);
        Dictionary<string, Tensor> masks = new();
        try
        {
            model.to(DeviceParser.Parse(context.Training.Device));
            masks = BlockSurgery.Masks(model, grouped);
            WeightMasks.Apply(model, masks);
            var layers = BlockSurgery.Layers(model, grouped);
            long parametersBefore = input.ParameterCount(), macsBefore = input.MultiplyAccumulates();
            context.Monitor?.Message($"block-sparse: {layers.Count} convs in {string.Join('/', layers.Select(l => l.Layout.Blocks).Distinct())} blocks -> {grouped}");

            var dir = Path.Combine(context.OutDir, "masked");
            var template = context.Template with { Kind = Method, Compression = Describe(input.Arch, grouped, layers, parametersBefore, macsBefore, null) };
            var (training, best) = StageSupport.FineTune(context, model, dir, template, masks);

            var result = BlockSurgery.Apply(model, grouped);
            try
            {
                var compression = Describe(input.Arch, grouped, layers, parametersBefore, macsBefore, result);
                var path = StageSupport.SaveFinal(context, result, best with { Compression = compression }, dir);
                return new StageResult(result, new Dictionary<string, Tensor>(), compression, training, path);
            }
            catch
            {
                result.Dispose();
                throw;
            }
        }
        finally
        {
            model.Dispose();
            foreach (var m in masks.Values) m.Dispose();
        }
    }

    JsonObject Describe(ArchSpec source, ArchSpec grouped, IReadOnlyList<BlockSurgery.Layer> layers, long parametersBefore,
        long macsBefore, ClassifierNet? result)
    {
        var list = new JsonArray();
        foreach (var l in layers)
        {
            var shape = ((TorchSharp.Modules.Conv2d)l.Conv.Module).weight!.shape;
            list.Add(new JsonObject
            {
                ["layer"] = l.Conv.Name,
                ["alias"] = l.Conv.Alias,
                ["blocks"] = l.Layout.Blocks,
                ["in_channels"] = shape[1],
                ["out_channels"] = shape[0],
                ["weights_dense"] = shape[0] * shape[1] * shape[2] * shape[3],
                ["weights_grouped"] = shape[0] * shape[1] * shape[2] * shape[3] / l.Layout.Blocks,
            });
        }
        return new JsonObject
        {
            ["method"] = Method,
            ["blocks"] = Options.Blocks,
            ["layer_blocks"] = Options.PerLayer is null ? null
                : new JsonObject(Options.PerLayer.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            ["permutation_seed"] = Options.Seed,
            ["source_arch"] = source.ToString(),
            ["grouped_arch"] = grouped.ToString(),
            ["layers"] = list,
            ["parameters_before"] = parametersBefore,
            ["parameters_after"] = result?.ParameterCount(),
            ["macs_before"] = macsBefore,
            ["macs_after"] = result?.MultiplyAccumulates(),
        };
    }
}
