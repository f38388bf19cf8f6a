using Apc.Checkpoints;
using Apc.Compression.Quantization;
using Apc.Data;
using Apc.Training;

namespace Apc.Cli.Commands;

/// <summary>The one way commands load a model: read the checkpoint, move it to the device, re-install any
/// quantization so that evaluation and attribution run on the quantized arithmetic.</summary>
static class ModelLoading
{
    public static ModelCheckpoint Load(string path, string device, string option)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UsageException($"{option} CHECKPOINT is required.");
        var checkpoint = ModelCheckpoint.Load(path, DeviceParser.Parse(device));
        try
        {
            RequireFiniteWeights(checkpoint, option);
            QuantizedModel.Attach(checkpoint);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
        return checkpoint;
    }

    /// <summary>The one check every verb that uses a model makes (evaluate, explain, compress's teacher): weights holding
    /// NaN or infinity give NaN logits and blank maps that look like an answer, so such a file is refused.</summary>
    public static void RequireFiniteWeights(ModelCheckpoint checkpoint, string option)
    {
        var bad = new List<string>();
        foreach (var (name, tensor) in checkpoint.Model.state_dict())
        {
            if (!tensor.is_floating_point()) continue;
            using var finite = TorchSharp.torch.isfinite(tensor).all();
            if (!finite.item<bool>()) bad.Add(name);
        }
        if (bad.Count > 0)
            throw new ApcException($"{option} '{checkpoint.Path}': {bad.Count} weight tensors hold NaN or infinity (first: {bad[0]}); " +
                "the training that wrote it diverged, so the model cannot be used.");
    }

    /// <summary>Data options for a model: the checkpoint's image size unless the user gave one.</summary>
    public static DataOptions ForModel(DataOptions options, ModelCheckpoint model) =>
        options.ImageSize is null ? options with { ImageSize = model.Info.ImageSize } : options;
}
