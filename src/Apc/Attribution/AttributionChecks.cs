using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Attribution;

/// <summary>Validation and shaping shared by every method, so that bad input fails the same clear way everywhere
/// before any native call.</summary>
internal static class AttributionChecks
{
    /// <summary>Checks the model mode, the input shape and the targets; returns the targets as long [B] on the
    /// input's device (a new tensor in the current dispose scope).</summary>
    public static Tensor Targets(ClassifierNet model, Tensor inputs, Tensor targets)
    {
        if (model.training)
            throw new ApcException($"attribution needs model {model.Arch} in eval mode (call model.eval() first): dropout and batch statistics would make maps random.");
        return Targets(model.Config, inputs, targets);
    }

    /// <summary>The same checks for a model seen as a function (<see cref="IImageClassifier"/>), which has no training mode.</summary>
    public static Tensor Targets(IImageClassifier model, Tensor inputs, Tensor targets) => Targets(model.Config, inputs, targets);

    static Tensor Targets(ModelConfig config, Tensor inputs, Tensor targets)
    {
        var model = new { config.Arch };
        if (inputs.dim() != 4 || inputs.shape[1] != config.InChannels || inputs.shape[2] != config.ImageSize || inputs.shape[3] != config.ImageSize)
            throw new ApcException(
                $"model {model.Arch} expects input [N,{config.InChannels},{config.ImageSize},{config.ImageSize}] but got [{string.Join(',', inputs.shape)}].");
        if (!inputs.is_floating_point())
            throw new ApcException($"attribution inputs must be floating point (got {inputs.dtype}).");
        if (targets.dim() != 1 || targets.shape[0] != inputs.shape[0])
            throw new ApcException(
                $"targets must be one class index per sample, shape [{inputs.shape[0]}], but got [{string.Join(',', targets.shape)}].");
        if (targets.is_floating_point() || targets.dtype == ScalarType.Bool)
            throw new ApcException($"targets must be integer class indices (got {targets.dtype}).");
        var values = targets.cpu().to_type(ScalarType.Int64);
        var list = values.data<long>().ToArray();
        values.Dispose();
        for (int i = 0; i < list.Length; i++)
            if (list[i] < 0 || list[i] >= config.NumClasses)
                throw new ApcException(
                    $"target class {list[i]} of sample {i} is out of range [0, {config.NumClasses}) for model {model.Arch}.");
        return targets.to_type(ScalarType.Int64).to(inputs.device);
    }

    /// <summary>[B,h,w] → [B,H,W] at the input's resolution, bilinear, align_corners false (as Grad-CAM does).</summary>
    public static Tensor Upsample(Tensor map, Tensor inputs)
    {
        long height = inputs.shape[2], width = inputs.shape[3];
        if (map.shape[1] == height && map.shape[2] == width) return map;
        return nn.functional.interpolate(map.unsqueeze(1), new[] { height, width }, mode: InterpolationMode.Bilinear, align_corners: false)
            .squeeze(1);
    }

    /// <summary>A captured layer output must be a feature map [B,K,h,w] to give a spatial attribution.</summary>
    public static void RequireSpatial(Tensor activation, string layer, string method)
    {
        if (activation.dim() != 4)
            throw new UsageException(
                $"{method}: layer '{layer}' gives [{string.Join(',', activation.shape)}], not a feature map [B,K,h,w]; choose a convolutional layer.");
    }
}
