namespace Apc.Models;

/// <summary>The primitive operations a classifier is made of. Attribution rules, channel surgery and
/// quantization dispatch on these.</summary>
public enum LayerKind
{
    /// <summary>2-D convolution.</summary>
    Conv,
    /// <summary>2-D batch normalisation.</summary>
    BatchNorm,
    /// <summary>ReLU.</summary>
    ReLU,
    /// <summary>Max pooling.</summary>
    MaxPool,
    /// <summary>Average pooling (including adaptive).</summary>
    AvgPool,
    /// <summary>Flattening to [B, C·H·W], channel-major.</summary>
    Flatten,
    /// <summary>Dropout (the identity in eval mode).</summary>
    Dropout,
    /// <summary>Fully connected layer.</summary>
    Linear,
    /// <summary>Residual addition.</summary>
    Add,
    /// <summary>A reordering of the channels (<see cref="ChannelPermutation"/>): the gather and scatter around a
    /// block-sparse conv.</summary>
    Permute,
}
