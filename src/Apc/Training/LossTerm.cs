using static TorchSharp.torch;

namespace Apc.Training;

/// <summary>One named term of a training loss and the weight it enters the sum with (method.md §3): the task loss
/// (weight 1−α), distillation (α), attribution matching (β) or one matching layer's L_AM(l) (w_l). The value is
/// unweighted; only <see cref="LossTerms.Sum"/> multiplies by the weight.</summary>
/// <param name="Name">Its key in the step's named parts ("bce", "kd", "l_am", "l_am/pool4").</param>
/// <param name="Weight">The factor the value is multiplied by in the sum (dimensionless, finite).</param>
/// <param name="Value">A scalar tensor, attached to the student's graph where it depends on the student.</param>
public sealed record LossTerm(string Name, double Weight, Tensor Value);
