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
        QuantizedModel.Attach(checkpoint);
        return checkpoint;
    }

    /// <summary>Data options for a model: the checkpoint's image size unless the user gave one.</summary>
    public static DataOptions ForModel(DataOptions options, ModelCheckpoint model) =>
        options.ImageSize is null ? options with { ImageSize = model.Info.ImageSize } : options;
}
