using static TorchSharp.torch;

namespace Apc.Compression;

/// <summary>Per-class binary knowledge distillation (method.md §3): for every class, the KL divergence between
/// Bernoulli(σ(z_T/T)) and Bernoulli(σ(z_S/T)), times T², averaged over batch × classes.</summary>
public static class BinaryDistillation
{
    /// <summary>KD(T) of [B,K] logits: a scalar, attached to the student's graph (the teacher's logits are detached).</summary>
    public static Tensor Loss(Tensor studentLogits, Tensor teacherLogits, double temperature)
    {
        using var scope = NewDisposeScope();
        var t = temperature;
        var teacherLogitsT = teacherLogits.detach() / t;
        var studentLogitsT = studentLogits / t;
        var p = teacherLogitsT.sigmoid();
        // KL(p || q) = p log p/q + (1-p) log (1-p)/(1-q), with log σ(x) = -softplus(-x), log(1-σ(x)) = -softplus(x).
        var logP = -nn.functional.softplus(-teacherLogitsT);
        var log1mP = -nn.functional.softplus(teacherLogitsT);
        var logQ = -nn.functional.softplus(-studentLogitsT);
        var log1mQ = -nn.functional.softplus(studentLogitsT);
        var kl = p * (logP - logQ) + (1 - p) * (log1mP - log1mQ);
        return (kl.mean() * (t * t)).MoveToOuterDisposeScope();
    }
}
