using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Evaluation;

/// <summary>
/// Deletion and insertion curves (Petsiuk et al., RISE, 2018): does the model's confidence depend on the
/// pixels the map ranks highest?
/// <para>Pixels are ordered by decreasing attribution; <b>ties</b> keep row-major order (a stable sort), so
/// with a constant map pixels go top-left first. Step s = 0..S changes the first n_s = ⌊s·N/S⌋ of the
/// N = H·W pixels in that order, in every channel at once. <b>Deletion</b> replaces them with the baseline
/// (starting from the input, ending at the baseline); <b>insertion</b> copies them from the input into the
/// baseline (starting from the baseline, ending at the input). The score after each step is
/// sigmoid(z_c), the target class's logit turned into a probability, as in the multi-label task. The area
/// under the curve is the trapezoid rule over x_s = n_s/N ∈ [0,1].</para>
/// <para>The baseline is a constant (default 0, the mean colour of normalised inputs) or a Gaussian blur of
/// the input (replicated borders), see <see cref="FaithfulnessOptions"/>. One batched forward per step
/// scores all samples; the forward runs without gradients, and the caller puts the model in eval mode.</para>
/// </summary>
public static class Faithfulness
{
    /// <summary>Deletion curves: confidence as the most attributed pixels are removed first.</summary>
    /// <param name="logitsOf">Batched model forward: [B,C,H,W] inputs to [B,K] logits.</param>
    /// <param name="inputs">Normalised inputs, float [B,C,H,W].</param>
    /// <param name="targets">Target class per sample, integer [B], in [0,K).</param>
    /// <param name="maps">Attribution maps at input resolution, float [B,H,W], finite.</param>
    /// <param name="options">Steps and baseline; null: the defaults.</param>
    public static FaithfulnessCurves Deletion(Func<Tensor, Tensor> logitsOf, Tensor inputs, Tensor targets, Tensor maps,
        FaithfulnessOptions? options = null) =>
        Curves(logitsOf, inputs, targets, maps, options ?? new FaithfulnessOptions(), insertion: false);

    /// <summary>Insertion curves: confidence as the most attributed pixels are added first to the baseline.</summary>
    /// <inheritdoc cref="Deletion"/>
    public static FaithfulnessCurves Insertion(Func<Tensor, Tensor> logitsOf, Tensor inputs, Tensor targets, Tensor maps,
        FaithfulnessOptions? options = null) =>
        Curves(logitsOf, inputs, targets, maps, options ?? new FaithfulnessOptions(), insertion: true);

    private static FaithfulnessCurves Curves(Func<Tensor, Tensor> logitsOf, Tensor inputs, Tensor targets, Tensor maps,
        FaithfulnessOptions options, bool insertion)
    {
        string metric = insertion ? "Insertion" : "Deletion";
        var (b, h, w) = MapTensors.CheckMaps(maps, metric);
        if (inputs.dim() != 4 || inputs.shape[0] != b || inputs.shape[2] != h || inputs.shape[3] != w)
            throw new ApcException($"{metric}: inputs must have shape [B,C,H,W] = [{b},C,{h},{w}] to match the maps, got [{MapTensors.Shape(inputs)}].");
        if (targets.dim() != 1 || targets.shape[0] != b || targets.is_floating_point())
            throw new ApcException($"{metric}: targets must be integer class indices of shape [{b}], got {targets.dtype} [{MapTensors.Shape(targets)}].");
        if (options.Steps < 1)
            throw new UsageException($"{metric}: the number of steps must be at least 1, got {options.Steps}.");
        if (options.BlurSigma is { } sigma && !(sigma > 0 && !double.IsInfinity(sigma)))
            throw new UsageException($"{metric}: the blur sigma must be a positive number of pixels, got {sigma}.");
        if (!double.IsFinite(options.BaselineValue))
            throw new UsageException($"{metric}: the baseline value must be finite, got {options.BaselineValue}.");

        int steps = options.Steps;
        long n = h * w;
        var fractions = new double[steps + 1];
        var changed = new long[steps + 1];
        for (int s = 0; s <= steps; s++) { changed[s] = s * n / steps; fractions[s] = (double)changed[s] / n; }
        var scores = new double[b][];
        for (int i = 0; i < b; i++) scores[i] = new double[steps + 1];
        if (b == 0) return new FaithfulnessCurves(fractions, scores, []);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = inputs.detach();
        var device = x.device;
        var targetIndex = targets.to(device).to_type(ScalarType.Int64).unsqueeze(1);
        var baseline = options.BlurSigma is { } s2 ? GaussianBlur(x, s2) : full_like(x, options.BaselineValue);

        // rank[b,p] = position of pixel p in the order of decreasing attribution (stable: row-major among ties).
        var (_, order) = maps.to(device).detach().flatten(1).sort(dim: 1, descending: true, stable: true);
        var positions = arange(n, dtype: ScalarType.Int64, device: device).expand(b, n);
        var rank = zeros_like(order).scatter(1, order, positions).view(b, 1, h, w);

        for (int s = 0; s <= steps; s++)
        {
            using var stepScope = NewDisposeScope();
            var switched = rank.lt(changed[s]); // [B,1,H,W], broadcast over channels
            var stepInput = insertion ? where(switched, x, baseline) : where(switched, baseline, x);
            var logits = logitsOf(stepInput);
            if (logits.dim() != 2 || logits.shape[0] != b)
                throw new ApcException($"{metric}: the model returned logits of shape [{MapTensors.Shape(logits)}], expected [{b},K].");
            if (s == 0)
            {
                using var outOfRange = targetIndex.lt(0).logical_or(targetIndex.ge(logits.shape[1])).any();
                if (outOfRange.item<bool>())
                    throw new ApcException($"{metric}: a target class is outside [0,{logits.shape[1]}).");
            }
            var target = logits.to(device).gather(1, targetIndex).squeeze(1).to_type(ScalarType.Float64).sigmoid();
            var values = MapTensors.ToDoubles(target);
            for (int i = 0; i < b; i++) scores[i][s] = values[i];
        }

        var auc = new double[b];
        for (int i = 0; i < b; i++)
            for (int s = 0; s < steps; s++)
                auc[i] += (fractions[s + 1] - fractions[s]) * (scores[i][s] + scores[i][s + 1]) / 2;
        return new FaithfulnessCurves(fractions, scores, auc);
    }

    /// <summary>Separable Gaussian blur of each channel, kernel radius ⌈3σ⌉, borders replicated.</summary>
    private static Tensor GaussianBlur(Tensor images, double sigma)
    {
        long channels = images.shape[1];
        int radius = (int)Math.Ceiling(3 * sigma);
        var taps = new float[2 * radius + 1];
        for (int i = -radius; i <= radius; i++) taps[i + radius] = (float)Math.Exp(-i * i / (2 * sigma * sigma));
        float total = taps.Sum();
        for (int i = 0; i < taps.Length; i++) taps[i] /= total;

        var kernel = tensor(taps, device: images.device).to_type(images.dtype);
        var horizontal = kernel.view(1, 1, 1, -1).expand(channels, 1, 1, taps.Length);
        var vertical = kernel.view(1, 1, -1, 1).expand(channels, 1, taps.Length, 1);
        var padded = nn.functional.pad(images, [radius, radius, radius, radius], PaddingModes.Replicate);
        var blurred = nn.functional.conv2d(padded, horizontal.contiguous(), groups: channels);
        return nn.functional.conv2d(blurred, vertical.contiguous(), groups: channels);
    }
}
