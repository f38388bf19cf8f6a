using Apc.Checkpoints;
using Apc.Compression.Quantization;
using Apc.Data;
using Apc.Deployment;
using Apc.Models;
using Apc.Training;

namespace Apc.Cli.Commands;

/// <summary>The one way commands load a model: read the checkpoint, move it to the device, re-install any
/// quantization so that evaluation and attribution run on the quantized arithmetic.</summary>
static class ModelLoading
{
    public static ModelCheckpoint Load(string path, string device, string option)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UsageException($"{option} CHECKPOINT is required.");
        if (OnnxModelFile.IsOnnxPath(path))
            throw new ApcException($"{option} '{path}' is an ONNX model, and this command needs gradients, which ONNX Runtime does not give: " +
                $"give the checkpoint it was exported from (.ckpt); on ONNX models 'apc evaluate' runs the methods {string.Join(", ", Apc.Attribution.AttributionMethods.PerturbationNames)}.");
        // The reader checks the path once, naming the option: --model and --reference alike.
        var checkpoint = ModelCheckpoint.Load(path, DeviceParser.Parse(device), $"{option} checkpoint");
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
    public static DataOptions ForModel(DataOptions options, ModelCheckpoint model) => ForModel(options, model.Info);

    public static DataOptions ForModel(DataOptions options, Checkpoints.CheckpointInfo info) =>
        options.ImageSize is null ? options with { ImageSize = info.ImageSize } : options;

    /// <summary>A model as a function from images to logits: an apc checkpoint (TorchSharp, quantization re-installed) or an
    /// apc ONNX export (ONNX Runtime), told apart by the .onnx extension.</summary>
    public static LoadedClassifier LoadClassifier(string path, string device, string option, int threads)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new UsageException($"{option} MODEL is required.");
        if (OnnxModelFile.IsOnnxPath(path))
        {
            Util.InputPath.RequireFile(path, $"{option} ONNX model", "an ONNX file");
            var onnx = new OnnxClassifier(OnnxModelFile.Read(path), threads);
            return new LoadedClassifier(onnx, onnx.File.Info, null, onnx);
        }
        var checkpoint = Load(path, device, option);
        return new LoadedClassifier(new TorchClassifier(checkpoint.Model), checkpoint.Info, checkpoint, checkpoint);
    }
}

/// <summary>A loaded model (<see cref="ModelLoading.LoadClassifier"/>): the classifier function, the checkpoint header it
/// carries, the checkpoint itself when it is one (null for ONNX), and what to dispose.</summary>
sealed record LoadedClassifier(IImageClassifier Classifier, Checkpoints.CheckpointInfo Info, ModelCheckpoint? Checkpoint, IDisposable Owner) : IDisposable
{
    public void Dispose() => Owner.Dispose();
}
