using Apc.Data;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Compression.Pruning;

/// <summary>Ranks filters by how much they contribute to the attribution map that matching preserves
/// (method.md §2), measured on a calibration set.
///
/// For a prunable conv, let A ∈ R^{K×H×W} be the output of its ReLU (<see cref="ChannelGroup.Activation"/>) in
/// the network being pruned, in eval mode, and c the teacher's top-1 class for the image. With
/// α_k = Σ_{i,j} ∂z_c/∂A_{k,i,j} (the same sensitivity weights as WCAM), filter k scores
///     s_k = mean over images of Σ_{i,j} |α_k · A_{k,i,j}|,
/// its mean absolute share of the unrectified collapsed map Σ_k α_k A_k at that layer. When the network being
/// pruned is the teacher (a first stage), this is its contribution to the teacher's own map; in later stages or
/// iterations the network's own sensitivities are used with the teacher's class, because the teacher has other
/// filters.</summary>
public sealed class AttributionFilterCriterion : IFilterCriterion
{
    readonly ClassifierNet teacher;
    readonly IDataset calibration;
    readonly int images, batchSize, seed;

    /// <param name="teacher">Gives the target class c of each image (its top-1 logit).</param>
    /// <param name="calibration">Images scored: a random subset of <paramref name="images"/> items drawn with
    /// <paramref name="seed"/> (all items when there are fewer), without augmentation.</param>
    /// <param name="images">How many calibration images to score on (at least 1).</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <param name="seed">Seed of the subset drawn.</param>
    public AttributionFilterCriterion(ClassifierNet teacher, IDataset calibration, int images, int batchSize, int seed = 0)
    {
        if (images < 1) throw new UsageException($"--calibration-images must be at least 1 (got {images}).");
        if (batchSize < 1) throw new UsageException($"--batch-size must be at least 1 (got {batchSize}).");
        if (calibration.Count < 1) throw new ApcException($"calibration set '{calibration.Name}' is empty.");
        this.teacher = teacher; this.calibration = calibration; this.images = images; this.batchSize = batchSize; this.seed = seed;
    }

    /// <inheritdoc/>
    public string Name => "attribution";

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double[]> Score(ClassifierNet model, IReadOnlyList<ChannelGroup> groups)
    {
        var layers = groups.Select(g => g.Activation).ToArray();
        var sums = groups.ToDictionary(g => g.Conv, g => zeros(g.Channels, dtype: ScalarType.Float64));
        bool modelTraining = model.training, teacherTraining = teacher.training;
        var device = model.parameters().First().device;
        var teacherDevice = teacher.parameters().First().device;
        model.eval();
        teacher.eval();
        try
        {
            var order = BatchLoader.EpochOrder(calibration.Count, seed, epoch: 0, shuffle: true).Take(Math.Min(images, calibration.Count)).ToArray();
            foreach (var batch in BatchLoader.Iterate(calibration, order, batchSize, augment: false, seed: 0, epoch: 0, withMasks: false))
            {
                using (batch)
                using (var scope = NewDisposeScope())
                {
                    Tensor target;
                    using (no_grad()) target = teacher.call(batch.Images.to(teacherDevice)).argmax(1).to(device);
                    // The input requires grad so that activations are in a graph even when the model's weights
                    // are frozen (the teacher itself as the first stage's input).
                    var x = batch.Images.to(device).requires_grad_(true);
                    var (logits, acts) = model.ForwardCapturing(x, layers);
                    var chosen = logits.gather(1, target.unsqueeze(1)).sum();
                    var activations = groups.Select(g => acts[g.Activation]).ToArray();
                    var grads = autograd.grad(new[] { chosen }, activations);
                    for (int i = 0; i < groups.Count; i++)
                    {
                        var alpha = grads[i].sum(new long[] { 2, 3 }, keepdim: true);       // [B,K,1,1]
                        var share = (alpha * activations[i]).abs().sum(new long[] { 0, 2, 3 }); // Σ over images and positions
                        sums[groups[i].Conv].add_(share.detach().to(ScalarType.Float64).cpu());
                    }
                }
            }
            return sums.ToDictionary(kv => kv.Key, kv => kv.Value.data<double>().Select(v => v / order.Length).ToArray());
        }
        finally
        {
            foreach (var t in sums.Values) t.Dispose();
            model.train(modelTraining);
            teacher.train(teacherTraining);
        }
    }
}
