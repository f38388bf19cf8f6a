using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Data;

/// <summary>The one way a picture becomes a network input, whichever way it enters (a data set, <c>apc explain
/// --image</c>, and the preprocessing documented for exported models, docs/evaluation.md "Input preprocessing"):
/// <list type="number">
/// <item>bytes b in [0,255] become x = b / 255 (float32), channels first;</item>
/// <item>channels are matched to the model: RGB to grey is the mean of R, G and B; grey to RGB repeats the value;
/// alpha is dropped;</item>
/// <item>the (cropped) picture is resized to S×S with bilinear interpolation, half-pixel centres
/// (align_corners false) and antialiasing when shrinking, as torchvision's Resize on tensors, then clamped to [0,1];
/// a picture already S×S is unchanged;</item>
/// <item>each channel c is normalised: (x − mean[c]) / std[c], the model's statistics (stored in its checkpoint).</item>
/// </list>
/// No rounding happens between the steps; pictures for display are rounded from the step-3 tensor
/// (<see cref="ToDisplayBytes"/>).</summary>
public static class ImagePreprocessing
{
    /// <summary>Step 1 for bytes already at the input size: [.., H, W] bytes to float32 x = b / 255.</summary>
    public static Tensor FromBytes(byte[] bytes, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return tensor(bytes, shape).to_type(ScalarType.Float32).div_(255f);
    }

    /// <summary>Steps 1–3 for a decoded file: the rectangle (top, left, height, width) of <paramref name="image"/>,
    /// as [<paramref name="channels"/>, size, size] float32 in [0,1]. The whole picture when no rectangle is given.</summary>
    internal static Tensor Resized(DecodedImage image, int channels, int size, (int Top, int Left, int Height, int Width)? crop = null)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), "the input size must be positive");
        var (top, left, height, width) = crop ?? (0, 0, image.Height, image.Width);
        using var scope = NewDisposeScope();
        // Crop and reorder while still bytes (cheaper to copy), then convert the contiguous result.
        var stored = tensor(image.Pixels, [image.Height, image.Width, image.Channels])
            .narrow(0, top, height).narrow(1, left, width);
        var colour = image.Channels == 1 ? stored : stored.narrow(2, 0, 3);
        var unit = colour.permute(2, 0, 1).contiguous().to_type(ScalarType.Float32).div_(255f);
        var matched = MatchChannels(unit, channels, image.Channels == 1 ? 1 : 3);
        return Resize(matched, size).MoveToOuterDisposeScope();
    }

    /// <summary>Step 3: [C,h,w] in [0,1] to [C,S,S] in [0,1].</summary>
    public static Tensor Resize(Tensor unit, int size)
    {
        if (unit.dim() != 3) throw new ArgumentException($"expected [C,H,W], got [{string.Join(",", unit.shape)}]", nameof(unit));
        using var scope = NewDisposeScope();
        var resized = unit.shape[1] == size && unit.shape[2] == size
            ? unit.clone()
            : nn.functional.interpolate(unit.unsqueeze(0), [size, size], mode: InterpolationMode.Bilinear,
                align_corners: false, antialias: true).squeeze(0).clamp_(0f, 1f);
        return resized.MoveToOuterDisposeScope();
    }

    /// <summary>Step 4: (x − mean) / std per channel of [B,C,H,W] (or [C,H,W]) x in [0,1]; a new tensor.</summary>
    public static Tensor Normalize(Tensor unit, Normalization normalization)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        long channels = unit.shape[^3];
        if (normalization.Mean.Length != channels || normalization.Std.Length != channels)
            throw new ApcException($"the normalisation has {normalization.Mean.Length} means and {normalization.Std.Length} standard deviations, but the image has {channels} channels.");
        using var scope = NewDisposeScope();
        var mean = tensor(normalization.Mean).view(-1, 1, 1);
        var std = tensor(normalization.Std).view(-1, 1, 1);
        return unit.sub(mean).div_(std).MoveToOuterDisposeScope();
    }

    /// <summary>A [C,H,W] picture in [0,1] as bytes round(255 x), for display.</summary>
    public static byte[] ToDisplayBytes(Tensor unit)
    {
        using var scope = NewDisposeScope();
        return unit.mul(255f).round_().clamp_(0, 255).to_type(ScalarType.Byte).contiguous().data<byte>().ToArray();
    }

    private static Tensor MatchChannels(Tensor unit, int channels, int stored) => (channels, stored) switch
    {
        (1, 1) or (3, 3) => unit,
        // In double, so that a grey picture stored as RGB (R = G = B) gives back exactly its grey value.
        (1, 3) => unit.to_type(ScalarType.Float64).mean([0], keepdim: true).to_type(ScalarType.Float32),
        (3, 1) => unit.expand(3, -1, -1),
        _ => throw new ApcException($"models with {channels} input channels cannot read image files (1 or 3 channels)."),
    };
}
