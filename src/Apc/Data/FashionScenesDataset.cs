using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Data;

/// <summary>The project's default data set: multi-label scenes of Fashion-MNIST items on a noisy canvas,
/// with a pixel mask per class, so that attribution maps can be scored for localisation without VOC.</summary>
/// <remarks>
/// Each scene holds <see cref="FashionScenesOptions.MinItems"/> to <see cref="FashionScenesOptions.MaxItems"/>
/// items, each resized (bilinear) to a random side and placed by rejection sampling so that boxes overlap by at
/// most <see cref="FashionScenesOptions.MaxOverlap"/>; an item that cannot be placed after a number of tries is
/// left out, so a crowded scene may hold fewer items. Overlapping pixels take the brighter value. Class k's mask
/// is the union of the thresholded pixels of every item of class k. Train scenes draw items only from the
/// Fashion-MNIST training file; val scenes from the first half of the test file, test scenes from the second
/// half, so no source image is shared between splits. Scene i depends only on (seed, split, i): a smaller
/// count gives a prefix of a larger one. All scenes are composed once, at construction.
/// </remarks>
public sealed class FashionScenesDataset : IDataset
{
    /// <summary>Mean and standard deviation of pixel values (in [0,1]) over the 8,000 training scenes of the
    /// default options and seed 0, measured once with the real Fashion-MNIST files (the test
    /// FashionScenesTests.DefaultNormalizationIsWhatTheDefaultTrainScenesMeasure recomputes them). Fixed, so that a model's input
    /// scale never depends on which subset was loaded.</summary>
    public static Normalization DefaultNormalization { get; } = new([0.1356f], [0.2239f]);

    private const int PlacementTries = 100;

    private readonly int _canvas;
    private readonly byte[] _images;      // [Count, Canvas, Canvas]
    private readonly short[] _maskBits;   // [Count, Canvas, Canvas], bit k set where the pixel belongs to class k
    private readonly short[] _labelBits;  // [Count], bit k set when class k is present
    private readonly SceneItem[][] _items;

    /// <summary>Composes <paramref name="count"/> scenes of the given split from <paramref name="source"/>.</summary>
    public FashionScenesDataset(FashionMnist source, SplitKind split, int count, int seed, FashionScenesOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (count < 1) throw new UsageException($"fashion-scenes {split.ToString().ToLowerInvariant()} size {count} must be at least 1.");
        Options = options ?? new FashionScenesOptions();
        Options.Validate();
        Split = split;
        Seed = seed;
        _canvas = Options.Canvas;

        var (pool, poolStart, poolCount) = split switch
        {
            SplitKind.Train => (source.Train, 0, source.Train.Count),
            SplitKind.Val => (source.Test, 0, source.Test.Count / 2),
            SplitKind.Test => (source.Test, source.Test.Count / 2, source.Test.Count - source.Test.Count / 2),
            _ => throw new ArgumentOutOfRangeException(nameof(split)),
        };
        // Blank source images would give a label without a mask; leave them out of the pool.
        var usable = Enumerable.Range(poolStart, poolCount).Where(i => pool.Image(i).IndexOfAnyExcept((byte)0) >= 0).ToArray();
        if (usable.Length == 0)
            throw new ApcException($"Fashion-MNIST in {source.Folder} has no non-blank image for the {split} split.");

        int pixels = _canvas * _canvas;
        if ((long)count * pixels > Array.MaxLength)
            throw new UsageException($"fashion-scenes {split.ToString().ToLowerInvariant()} size {count} at {_canvas}x{_canvas} is too large to hold in memory.");
        _images = new byte[(long)count * pixels];
        _maskBits = new short[(long)count * pixels];
        _labelBits = new short[count];
        _items = new SceneItem[count][];
        // Scene i uses its own random stream, so composing in parallel gives the same scenes as in sequence.
        ParallelWork.For(count, i => Compose(i, pool, usable));
    }

    /// <summary>The scene settings.</summary>
    public FashionScenesOptions Options { get; }
    /// <summary>Which split this is.</summary>
    public SplitKind Split { get; }
    /// <summary>The seed the scenes are generated from.</summary>
    public int Seed { get; }

    /// <inheritdoc/>
    public string Name => $"fashion-scenes/{Split.ToString().ToLowerInvariant()}";
    /// <inheritdoc/>
    public int Count => _labelBits.Length;
    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => FashionMnist.ClassNames;
    /// <inheritdoc/>
    public ImageShape Shape => new(1, _canvas, _canvas);
    /// <inheritdoc/>
    public Normalization Normalization => DefaultNormalization;
    /// <inheritdoc/>
    public bool HasMasks => true;

    /// <summary>The items placed in scene <paramref name="index"/>, in drawing order.</summary>
    public IReadOnlyList<SceneItem> GetItems(int index) => _items[CheckIndex(index)];

    /// <summary>The class indices present in scene <paramref name="index"/>, ascending.</summary>
    public IReadOnlyList<int> GetLabels(int index)
    {
        int bits = _labelBits[CheckIndex(index)];
        return Enumerable.Range(0, ClassNames.Count).Where(k => (bits >> k & 1) != 0).ToArray();
    }

    /// <inheritdoc/>
    public byte[] GetDisplayImage(int index)
    {
        int pixels = _canvas * _canvas;
        return _images.AsSpan(CheckIndex(index) * pixels, pixels).ToArray();
    }

    /// <inheritdoc/>
    public Batch GetBatch(IReadOnlyList<int> indices, bool augment, Random? rng = null) => GetBatch(indices, augment, rng, withMasks: true);

    /// <summary>Builds a batch; with <paramref name="augment"/>, each item is flipped horizontally (image and
    /// masks together) with probability 1/2, one draw per item from <paramref name="rng"/> in batch order.</summary>
    public Batch GetBatch(IReadOnlyList<int> indices, bool augment, Random? rng, bool withMasks)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Count == 0) throw new ArgumentException("A batch needs at least one index.", nameof(indices));
        if (augment && rng is null) throw new ArgumentNullException(nameof(rng), "Augmentation needs a random generator.");
        int b = indices.Count, side = _canvas, pixels = side * side, classes = ClassNames.Count;
        var imageBytes = new byte[b * pixels];
        var maskBits = withMasks ? new short[b * pixels] : null;
        var labels = new float[b * classes];
        var ids = new int[b];
        for (int j = 0; j < b; j++)
        {
            int i = CheckIndex(indices[j]);
            ids[j] = i;
            bool flip = augment && rng!.Next(2) == 1;
            var image = imageBytes.AsSpan(j * pixels, pixels);
            _images.AsSpan(i * pixels, pixels).CopyTo(image);
            if (flip) ReverseRows(image, side);
            if (maskBits is not null)
            {
                // Flipping the packed class bits flips every class mask at once, before they are expanded.
                var bits = maskBits.AsSpan(j * pixels, pixels);
                _maskBits.AsSpan(i * pixels, pixels).CopyTo(bits);
                if (flip) ReverseRows(bits, side);
            }
            for (int k = 0; k < classes; k++) labels[j * classes + k] = _labelBits[i] >> k & 1;
        }

        using var scope = NewDisposeScope();
        long[] shape = [b, 1, side, side];
        var images = ImagePreprocessing.Normalize(ImagePreprocessing.FromBytes(imageBytes, shape), Normalization);
        Tensor? masks = null;
        if (maskBits is not null)
        {
            var shifts = arange(classes, dtype: ScalarType.Int16).view(1, classes, 1, 1);
            masks = tensor(maskBits, shape).bitwise_right_shift(shifts).bitwise_and(1).to_type(ScalarType.Float32);
        }
        return new Batch(images.MoveToOuterDisposeScope(), tensor(labels, [b, classes]).MoveToOuterDisposeScope(),
            masks?.MoveToOuterDisposeScope(), ids);
    }

    private static void ReverseRows<T>(Span<T> image, int width)
    {
        for (int row = 0; row < image.Length; row += width) image.Slice(row, width).Reverse();
    }

    private int CheckIndex(int index) =>
        (uint)index < (uint)Count ? index : throw new ArgumentOutOfRangeException(nameof(index), $"{Name} has {Count} items; index {index} is out of range.");

    private void Compose(int scene, LabelledImages pool, int[] usable)
    {
        var rng = new Random(Seeds.Mix(Seed, (int)Split + 1, scene));
        int c = _canvas, minSize = Options.EffectiveMinItemSize, maxSize = Options.EffectiveMaxItemSize;
        int wanted = rng.Next(Options.MinItems, Options.MaxItems + 1);
        var placed = new List<SceneItem>(wanted);
        for (int n = 0; n < wanted; n++)
        {
            int source = usable[rng.Next(usable.Length)];
            for (int attempt = 0; attempt < PlacementTries; attempt++)
            {
                int size = rng.Next(minSize, maxSize + 1);
                int x = rng.Next(c - size + 1), y = rng.Next(c - size + 1);
                var candidate = new SceneItem(source, pool.Labels[source], x, y, size);
                if (placed.TrueForAll(p => OverlapFraction(p, candidate) <= Options.MaxOverlap))
                {
                    placed.Add(candidate);
                    break;
                }
            }
        }
        _items[scene] = placed.ToArray();

        var image = _images.AsSpan(scene * c * c, c * c);
        var bits = _maskBits.AsSpan(scene * c * c, c * c);
        double noise = Options.Noise * 255;
        for (int p = 0; p < image.Length; p++) image[p] = (byte)(rng.NextDouble() * noise);
        short labelBits = 0;
        foreach (var item in placed)
        {
            var resized = ResizeBilinear(pool.Image(item.SourceIndex), pool.Height, pool.Width, item.Size);
            float threshold = (float)(Options.MaskThreshold * resized.Max());
            short bit = (short)(1 << item.ClassIndex);
            labelBits |= bit;
            for (int yy = 0; yy < item.Size; yy++)
            for (int xx = 0; xx < item.Size; xx++)
            {
                float v = resized[yy * item.Size + xx];
                int p = (item.Y + yy) * c + item.X + xx;
                image[p] = Math.Max(image[p], (byte)Math.Round(v));
                if (v > threshold) bits[p] |= bit;
            }
        }
        _labelBits[scene] = labelBits;
    }

    /// <summary>Area of the intersection of two boxes as a fraction of the smaller box's area.</summary>
    private static double OverlapFraction(SceneItem a, SceneItem b)
    {
        int w = Math.Min(a.X + a.Size, b.X + b.Size) - Math.Max(a.X, b.X);
        int h = Math.Min(a.Y + a.Size, b.Y + b.Size) - Math.Max(a.Y, b.Y);
        if (w <= 0 || h <= 0) return 0;
        int smaller = Math.Min(a.Size, b.Size);
        return (double)w * h / (smaller * smaller);
    }

    /// <summary>Bilinear resize of a grey image to size x size, sampling at pixel centres (align_corners = false).</summary>
    internal static float[] ResizeBilinear(ReadOnlySpan<byte> src, int height, int width, int size)
    {
        var dst = new float[size * size];
        double sy = (double)height / size, sx = (double)width / size;
        for (int oy = 0; oy < size; oy++)
        {
            double fy = Math.Clamp((oy + 0.5) * sy - 0.5, 0, height - 1);
            int y0 = (int)fy, y1 = Math.Min(y0 + 1, height - 1);
            double wy = fy - y0;
            for (int ox = 0; ox < size; ox++)
            {
                double fx = Math.Clamp((ox + 0.5) * sx - 0.5, 0, width - 1);
                int x0 = (int)fx, x1 = Math.Min(x0 + 1, width - 1);
                double wx = fx - x0;
                double top = src[y0 * width + x0] * (1 - wx) + src[y0 * width + x1] * wx;
                double bottom = src[y1 * width + x0] * (1 - wx) + src[y1 * width + x1] * wx;
                dst[oy * size + ox] = (float)(top * (1 - wy) + bottom * wy);
            }
        }
        return dst;
    }
}
