namespace Apc.Models;

/// <summary>The primitive operations a classifier is made of. Attribution rules, channel surgery and
/// quantization dispatch on these.</summary>
public enum LayerKind { Conv, BatchNorm, ReLU, MaxPool, AvgPool, Flatten, Dropout, Linear, Add }
