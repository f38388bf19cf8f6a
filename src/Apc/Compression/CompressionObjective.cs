using Apc.Matching;
using Apc.Models;
using Apc.Training;
using static TorchSharp.torch;

namespace Apc.Compression;

/// <summary>The loss every compression stage fine-tunes with (method.md §3):
/// (1−α)·BCE + α·KD(T) + β·L_AM, with α = 0 for pruning and quantization (BCE + β·L_AM) and α = 0.9, T = 4 for
/// distillation. The matcher carries β. The teacher is the original network, frozen in eval mode.</summary>
public sealed class CompressionObjective : ITrainingObjective
{
    public CompressionObjective(ClassifierNet teacher, IAttributionMatcher matcher, double distillationWeight = 0, double temperature = 4)
    {
        if (distillationWeight < 0 || distillationWeight > 1) throw new UsageException($"--kd-alpha must be in [0, 1] (got {distillationWeight}).");
        if (!(temperature > 0)) throw new UsageException($"--temperature must be positive (got {temperature}).");
        Teacher = teacher; Matcher = matcher; DistillationWeight = distillationWeight; Temperature = temperature;
        teacher.eval();
        foreach (var p in teacher.parameters()) p.requires_grad_(false);
    }

    public ClassifierNet Teacher { get; }
    public IAttributionMatcher Matcher { get; }
    public double DistillationWeight { get; }
    public double Temperature { get; }

    public Tensor Loss(ClassifierNet model, Tensor images, Tensor labels, IDictionary<string, double> parts)
    {
        var logits = model.call(images);
        var bce = MultiLabelLoss.Compute(logits, labels);
        parts["bce"] = bce.item<float>();
        var loss = bce;
        if (DistillationWeight > 0)
        {
            Tensor teacherLogits;
            using (no_grad()) teacherLogits = Teacher.call(images);
            var kd = BinaryDistillation.Loss(logits, teacherLogits, Temperature);
            parts["kd"] = kd.item<float>();
            loss = bce * (1 - DistillationWeight) + kd * DistillationWeight;
        }
        if (Matcher is not NoMatching)
        {
            var match = Matcher.Loss(Teacher, model, images, parts);
            loss = loss + match;
        }
        return loss;
    }
}
