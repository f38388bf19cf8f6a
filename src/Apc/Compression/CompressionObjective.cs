using Apc.Matching;
using Apc.Models;
using Apc.Training;
using TorchSharp;
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

    /// <summary>One forward of the student (and at most one of the teacher), shared by all terms: the matcher runs
    /// both networks and hands back the student's logits and the teacher's, which distillation reuses.</summary>
    public Tensor Loss(ClassifierNet model, Tensor images, Tensor labels, IDictionary<string, double> parts)
    {
        var step = Matcher.Step(Teacher, model, images, parts);
        var logits = step.StudentLogits;
        var bce = MultiLabelLoss.Compute(logits, labels);
        parts["bce"] = bce.ToDouble();
        var loss = bce;
        if (DistillationWeight > 0)
        {
            var teacherLogits = step.TeacherLogits;
            if (teacherLogits is null)
                using (no_grad()) teacherLogits = Teacher.call(images);
            var kd = BinaryDistillation.Loss(logits, teacherLogits, Temperature);
            parts["kd"] = kd.ToDouble();
            loss = bce * (1 - DistillationWeight) + kd * DistillationWeight;
        }
        return Matcher is NoMatching ? loss : loss + step.Loss;
    }
}
