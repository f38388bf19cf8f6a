namespace Apc.Data;

/// <summary>How fashion scenes are composed. The defaults give 64x64 scenes with 1 to 3 items of 20 to 36 px.</summary>
public sealed record FashionScenesOptions
{
    /// <summary>Side of the square single-channel canvas, in pixels.</summary>
    public int Canvas { get; init; } = 64;
    /// <summary>The fewest items in a scene.</summary>
    public int MinItems { get; init; } = 1;
    /// <summary>The most items in a scene.</summary>
    public int MaxItems { get; init; } = 3;
    /// <summary>Smallest item side in pixels; null: 5/16 of the canvas (20 px at 64).</summary>
    public int? MinItemSize { get; init; }
    /// <summary>Largest item side in pixels; null: 9/16 of the canvas (36 px at 64).</summary>
    public int? MaxItemSize { get; init; }
    /// <summary>Largest allowed overlap of two items' boxes, as a fraction of the smaller box's area.</summary>
    public double MaxOverlap { get; init; } = 0.1;
    /// <summary>Background noise: each background pixel is uniform in [0, Noise] of full scale.</summary>
    public double Noise { get; init; } = 0.1;
    /// <summary>An item's pixel belongs to its class mask when it exceeds this fraction of the item's maximum.</summary>
    public double MaskThreshold { get; init; } = 0.1;

    /// <summary>The smallest canvas side, in pixels.</summary>
    public const int MinCanvas = 16;

    /// <summary>The smallest item side in pixels (given, or scaled from 20 px at 64).</summary>
    public int EffectiveMinItemSize => MinItemSize ?? Math.Max(4, (int)Math.Round(Canvas * 20.0 / 64));
    /// <summary>The largest item side in pixels (given, or scaled from 36 px at 64).</summary>
    public int EffectiveMaxItemSize => MaxItemSize ?? Math.Max(EffectiveMinItemSize, (int)Math.Round(Canvas * 36.0 / 64));

    /// <summary>Throws <see cref="UsageException"/> naming the first option whose value cannot work.</summary>
    public void Validate()
    {
        if (Canvas < MinCanvas || Canvas > 1024)
            throw new UsageException($"fashion-scenes canvas (image size) {Canvas} is out of range; use {MinCanvas} to 1024.");
        if (MinItems < 1)
            throw new UsageException($"fashion-scenes MinItems {MinItems} must be at least 1.");
        if (MaxItems < MinItems)
            throw new UsageException($"fashion-scenes MaxItems {MaxItems} must be at least MinItems ({MinItems}).");
        int min = EffectiveMinItemSize, max = EffectiveMaxItemSize;
        if (min < 4 || max < min || max > Canvas)
            throw new UsageException($"fashion-scenes item sizes {min}..{max} px do not fit: need 4 <= MinItemSize <= MaxItemSize <= canvas ({Canvas}).");
        if (MaxOverlap is < 0 or > 1 || double.IsNaN(MaxOverlap))
            throw new UsageException($"fashion-scenes MaxOverlap {MaxOverlap} must be between 0 and 1.");
        if (Noise is < 0 or > 1 || double.IsNaN(Noise))
            throw new UsageException($"fashion-scenes Noise {Noise} must be between 0 and 1.");
        if (MaskThreshold is < 0 or >= 1 || double.IsNaN(MaskThreshold))
            throw new UsageException($"fashion-scenes MaskThreshold {MaskThreshold} must be in [0, 1).");
    }
}
