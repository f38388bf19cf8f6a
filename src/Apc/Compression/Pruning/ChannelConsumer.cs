using Apc.Models;

namespace Apc.Compression.Pruning;

/// <summary>The layer that reads a prunable conv's output channels as its input.</summary>
/// <param name="Layer">Canonical node name (a conv, or the first linear layer after a flatten).</param>
/// <param name="Kind"><see cref="LayerKind.Conv"/> (input channel c is weight[:, c]) or <see cref="LayerKind.Linear"/>.</param>
/// <param name="BlockSize">Input columns per channel: 1 for a conv; H·W for a linear layer after a flatten, where
/// flattening is channel-major, so channel c owns columns c·H·W … c·H·W + H·W − 1.</param>
public sealed record ChannelConsumer(string Layer, LayerKind Kind, int BlockSize);
