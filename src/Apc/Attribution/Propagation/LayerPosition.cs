namespace Apc.Attribution.Propagation;

/// <summary>Where a conv or linear layer sits: the first one (reads the image), the last one (writes the logits),
/// or any other. Composites use it to give the input and output layers their own rules.</summary>
public enum LayerPosition { Input, Hidden, Output }
