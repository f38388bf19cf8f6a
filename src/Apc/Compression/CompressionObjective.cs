using Apc.Matching;
using Apc.Models;
using Apc.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Compression;

/// <summary>The loss every compression stage fine-tunes with, composed in this one place (method.md §3.1):
/// L = (1−α)·BCE + α·KD(T) + β·Σ_l w_l·L_AM(l). Without distillation (pruning, quantization) the task term has
/// weight 1 and there is no KD term; without matching (<see cref="IAttributionMatcher"/> returning no layers) there
/// is no L_AM term. The matcher returns each layer's unweighted L_AM(l) with its w_l; α and T come from
/// <see cref="DistillationOptions"/>, β from <see cref="IAttributionMatcher.Weight"/>; <see cref="LossTerms.Sum"/>
/// applies all of them. The teacher is the original network, frozen in eval mode.</summary>
public sealed class CompressionObjective : ITrainingObjective
{
    /// <summary>Freezes <paramref name="teacher"/> (eval mode, no parameter gradients). <paramref name="distillation"/>
    /// null: no KD term (α = 0); its options are checked with <see cref="DistillationOptions.Validated"/>.</summary>
    public CompressionObjective(ClassifierNet teacher, IAttributionMatcher matcher, DistillationOptions? distillation = null)
    {
        Teacher = teacher; Matcher = matcher; Distillation = distillation?.Validated();
        teacher.eval();
        foreach (var p in teacher.parameters()) p.requires_grad_(false);
    }

    /// <summary>The original network, frozen.</summary>
    public ClassifierNet Teacher { get; }

    /// <summary>The attribution matcher whose per-layer L_AM enters with weight β = its <see cref="IAttributionMatcher.Weight"/>.</summary>
    public IAttributionMatcher Matcher { get; }

    /// <summary>α and T of the KD term; null when the objective has none.</summary>
    public DistillationOptions? Distillation { get; }

    /// <summary>The named, weighted terms of one batch, from one forward of the student (and at most one of the
    /// teacher): the matcher runs both networks and hands back the student's logits and the teacher's, which
    /// distillation reuses. Terms, in order: "bce" (weight 1−α, or 1 without distillation), "kd" (α, only with
    /// distillation), "l_am" (β, value Σ_l w_l·L_AM(l), only when the matcher matches). Writes the named parts
    /// ("l_am/LAYER" when there are several layers, "l_am", "match" = β·L_AM) into <paramref name="parts"/>.
    /// <paramref name="images"/> [B,C,H,W] and <paramref name="labels"/> [B,K] (0/1) on the model's device.</summary>
    public IReadOnlyList<LossTerm> Terms(ClassifierNet model, Tensor images, Tensor labels, IDictionary<string, double> parts)
    {
        using var step = Matcher.Step(Teacher, model, images);
        return Terms(step, images, labels, parts);
    }

    /// <summary>The terms of <see cref="Terms(ClassifierNet, Tensor, Tensor, IDictionary{string, double})"/> from a
    /// matching step already taken on <paramref name="images"/> (which the teacher sees again only when distillation
    /// needs its logits and the matcher did not run it). The step stays owned by the caller.</summary>
    public IReadOnlyList<LossTerm> Terms(MatchingStep step, Tensor images, Tensor labels, IDictionary<string, double> parts)
    {
        var terms = new List<LossTerm>(3);
        var logits = step.StudentLogits;
        var matching = MatchingTerm(Matcher, step, parts);
        var bce = MultiLabelLoss.Compute(logits, labels);
        if (Distillation is { Alpha: > 0 } kd)
        {
            var teacherLogits = step.TeacherLogits;
            Tensor? own = null;
            if (teacherLogits is null)
                using (no_grad()) teacherLogits = own = Teacher.call(images);
            terms.Add(new LossTerm("bce", 1 - kd.Alpha, bce));
            terms.Add(new LossTerm("kd", kd.Alpha, BinaryDistillation.Loss(logits, teacherLogits, kd.Temperature)));
            own?.Dispose();
        }
        else terms.Add(new LossTerm("bce", 1, bce));
        if (matching is not null) terms.Add(matching);
        return terms;
    }

    /// <summary>The attribution-matching term of <paramref name="step"/>: name "l_am", weight β =
    /// <paramref name="matcher"/>'s <see cref="IAttributionMatcher.Weight"/>, value Σ_l w_l·L_AM(l) (a scalar attached
    /// to the student's graph); null when the step has no layers (no matching). Writes "l_am/LAYER" (several layers
    /// only), "l_am" and "match" (= β·L_AM) into <paramref name="parts"/>.</summary>
    public static LossTerm? MatchingTerm(IAttributionMatcher matcher, MatchingStep step, IDictionary<string, double> parts)
    {
        if (step.Layers.Count == 0) return null;
        var value = LossTerms.Sum(step.Layers, step.Layers.Count > 1 ? parts : null);
        parts["l_am"] = value.ToDouble();
        using (no_grad()) parts["match"] = (value.detach() * matcher.Weight).ToDouble();
        return new LossTerm("l_am", matcher.Weight, value);
    }

    /// <summary>Σ weight·value over <see cref="Terms(ClassifierNet, Tensor, Tensor, IDictionary{string, double})"/> (a scalar attached to the student's graph); the parts also
    /// get each term's unweighted value under its name.</summary>
    public Tensor Loss(ClassifierNet model, Tensor images, Tensor labels, IDictionary<string, double> parts) =>
        LossTerms.Sum(Terms(model, images, labels, parts), parts);
}
