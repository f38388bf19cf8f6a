using Apc.Models;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace Apc.Deployment;

/// <summary>An apc export run by ONNX Runtime (CPU execution provider, all graph optimisations) as an
/// <see cref="IImageClassifier"/>. Owns the session; dispose it.</summary>
public sealed class OnnxClassifier : IImageClassifier, IDisposable
{
    readonly InferenceSession session;

    /// <param name="file">An export read with <see cref="OnnxModelFile.Read"/>.</param>
    /// <param name="threads">Intra-op threads (0: ONNX Runtime's default, one per physical core).</param>
    /// <param name="optimizedModelPath">When set, ONNX Runtime writes the graph it runs (after its fusions) there.</param>
    public OnnxClassifier(OnnxModelFile file, int threads = 0, string? optimizedModelPath = null)
    {
        File = file;
        Config = file.Info.ModelConfig;
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (threads > 0) options.IntraOpNumThreads = threads;
        if (optimizedModelPath is not null) options.OptimizedModelFilePath = optimizedModelPath;
        try { session = new InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(file.Model), options); }
        catch (OnnxRuntimeException e)
        { throw new ApcException($"ONNX model '{file.Path}': ONNX Runtime cannot load it ({e.Message.Split('\n')[0].TrimEnd('.')})."); }
    }

    /// <summary>The ONNX file and its metadata.</summary>
    public OnnxModelFile File { get; }
    /// <inheritdoc/>
    public ModelConfig Config { get; }

    /// <inheritdoc/>
    public Tensor Logits(Tensor images)
    {
        var c = Config;
        if (images.dim() != 4 || images.shape[1] != c.InChannels || images.shape[2] != c.ImageSize || images.shape[3] != c.ImageSize)
            throw new ApcException($"ONNX model '{File.Path}' expects input [N,{c.InChannels},{c.ImageSize},{c.ImageSize}] but got [{string.Join(',', images.shape)}].");
        float[] data;
        using (var cpu = images.detach().to(float32).cpu().contiguous()) data = cpu.data<float>().ToArray();
        var shape = images.shape;
        using var input = OrtValue.CreateTensorValueFromMemory(data, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, new[] { OnnxExport.InputName }, new[] { input }, new[] { OnnxExport.OutputName });
        var logits = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        return tensor(logits, new long[] { shape[0], c.NumClasses });
    }

    /// <summary>Releases the tensors (or taps) this object holds; safe to call twice.</summary>
    public void Dispose() => session.Dispose();
}
