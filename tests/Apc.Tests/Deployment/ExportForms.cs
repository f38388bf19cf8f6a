using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Compression.Quantization;
using Apc.Data;
using Apc.Models;
using Apc.Tests.Attribution;
using static TorchSharp.torch;

namespace Apc.Tests.Deployment;

/// <summary>Small seeded networks in every compressed form, with the extra tensors a checkpoint of that form carries
/// (weight levels and scales, activation grids), as the export reads them.</summary>
internal sealed class ExportForms : IDisposable
{
    public static readonly string[] FloatForms = { "teacher", "kd", "structured", "unstructured" };
    public static readonly string[] QuantizedForms = { "w8a8", "w4a8", "pipeline" };

    ExportForms(ClassifierNet model) { Model = model; }

    public ClassifierNet Model { get; private set; }
    public Dictionary<string, Tensor> Extra { get; } = new();
    public ActivationQuantization? Activations { get; private set; }

    /// <summary>The float network the quantized forms were made from (weights and activations unquantized); null for float forms.</summary>
    public ClassifierNet? BeforeQuantization { get; private set; }

    public static ExportForms Build(string form, string arch)
    {
        // A kd student is a narrower network of the same family.
        var result = new ExportForms(TestNets.Build(form == "kd" ? arch.Replace("w=1/8", "w=1/16") : arch, seed: 3));
        switch (form)
        {
            case "teacher": case "kd": break;
            case "structured": result.PruneChannels(0.5); break;
            case "unstructured": result.PruneWeights(0.7); break;
            case "w8a8": result.Quantize(8, 8); break;
            case "w4a8": result.Quantize(4, 8); break;
            case "w8a4": result.Quantize(8, 4); break;
            case "block-sparse": result.Group(); break;
            case "block-sparse-w8a8":
                result.Group();
                result.Quantize(8, 8);
                break;
            case "pipeline":
                result.PruneChannels(0.3);
                result.PruneWeights(0.5);
                result.Quantize(8, 8);
                break;
            default: throw new ArgumentException(form);
        }
        return result;
    }

    public static CheckpointInfo Info(ClassifierNet model, string kind) =>
        new(kind, model.Arch.ToString(), model.Config.InChannels, model.Config.NumClasses, model.Config.ImageSize,
            Enumerable.Range(0, model.Config.NumClasses).Select(i => $"class{i}").ToArray(), TestNets.Normalization, "test",
            new JsonObject(), new JsonObject());

    /// <summary>Post-training quantization with grids calibrated on seeded images, frozen.</summary>
    void Quantize(int weightBits, int activationBits)
    {
        BeforeQuantization = ModelCopy.Clone(Model);
        foreach (var (key, value) in QuantizedModel.QuantizeWeights(Model, weightBits)) Extra[key] = value;
        Activations = ActivationQuantization.Calibrate(Model, activationBits);
        using (no_grad())
        using (var calibration = TestNets.Inputs(16, seed: 21))
            Model.call(calibration).Dispose();
        Activations.Freeze();
        foreach (var (key, value) in Activations.ToTensors()) Extra[key] = value;
    }

    /// <summary>Block-sparse (4 blocks, permutation seed 7): the masked network is kept in <see cref="Masked"/>, the model
    /// becomes its grouped form.</summary>
    void Group()
    {
        Masked = Model;
        Model = BlockSparseNets.MaskAndGroup(Masked);
    }

    /// <summary>The masked network a block-sparse form was made from; null for the other forms.</summary>
    public ClassifierNet? Masked { get; private set; }

    void PruneChannels(double ratio) => Model = TestNets.PruneChannels(Model, ratio);

    void PruneWeights(double sparsity) => TestNets.PruneWeights(Model, sparsity);

    public void Dispose()
    {
        Model.Dispose();
        BeforeQuantization?.Dispose();
        Masked?.Dispose();
        foreach (var t in Extra.Values) t.Dispose();
    }
}
