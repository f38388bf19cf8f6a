namespace Apc.Attribution.Propagation;

/// <summary>What the engine puts on the logits before propagating: the target logit's value (LRP, RAP) or 1
/// (Excitation Backprop's top-down probability). Every other logit gets 0.</summary>
public enum InitialRelevance
{
    /// <summary>The target logit's value (LRP).</summary>
    TargetLogit,
    /// <summary>1 at the target logit (Excitation Backprop, RAP).</summary>
    TargetOne,
}
