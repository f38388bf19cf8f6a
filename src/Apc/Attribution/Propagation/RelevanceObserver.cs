using static TorchSharp.torch;

namespace Apc.Attribution.Propagation;

/// <summary>Called by <see cref="RelevancePropagator"/> with the relevance at each step's output
/// (<see cref="PropagationNode.Name"/>), from the logits down. The tensor is only valid during the call:
/// read values (or clone and move out of the dispose scope) before returning.</summary>
public delegate void RelevanceObserver(string layer, Tensor relevance);
