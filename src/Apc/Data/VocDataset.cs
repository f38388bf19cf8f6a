using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Data;

/// <summary>PASCAL VOC 2012 as a multi-label data set (method.md §4): multi-hot labels from every
/// &lt;object&gt;&lt;name&gt; of Annotations/ID.xml, images from JPEGImages/ID.jpg, and for
/// <see cref="VocSplit.SegVal"/> per-class masks from SegmentationClass/ID.png.</summary>
/// <remarks>Annotations are read and every needed file's existence is checked at construction, so a broken
/// folder fails early; images and masks are decoded lazily, per batch, because VOC is large. Images are resized
/// to <see cref="ImageSize"/> squared by <see cref="ImagePreprocessing"/>, masks with nearest neighbour. Mask value k in 1..20
/// marks class k-1; background (0) and void (255) are 0 in every class mask.</remarks>
public sealed class VocDataset : IDataset
{
    /// <summary>The reference's input size, in pixels (method.md §4).</summary>
    public const int DefaultImageSize = 227;

    /// <summary>The 20 VOC classes in the standard order (mask value = position + 1).</summary>
    public static IReadOnlyList<string> VocClassNames { get; } =
    [
        "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
        "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
    ];

    /// <summary>Per-channel statistics of the reference implementation (method.md §4).</summary>
    public static Normalization VocNormalization { get; } = new([0.4589f, 0.4355f, 0.4032f], [0.2239f, 0.2186f, 0.2206f]);

    // torchvision's RandomResizedCrop defaults, which the reference uses.
    private const double MinCropArea = 0.08;
    private const double MinCropRatio = 3.0 / 4, MaxCropRatio = 4.0 / 3;

    private readonly string[] _ids;
    private readonly int[] _labelBits;

    /// <param name="root">The VOC2012 folder (holding JPEGImages, Annotations, ImageSets, SegmentationClass).</param>
    /// <param name="limit">When given, only the first <paramref name="limit"/> images of the list, in list order.</param>
    /// <param name="split">Which list to read.</param>
    /// <param name="imageSize">The side images are resized to, 8..2048 px.</param>
    public VocDataset(string root, VocSplit split, int imageSize = DefaultImageSize, int? limit = null)
    {
        if (imageSize < 8 || imageSize > 2048)
            throw new UsageException($"VOC image size {imageSize} is out of range; use 8 to 2048.");
        if (limit is < 1)
            throw new UsageException($"VOC {SplitName(split)} size {limit} must be at least 1.");
        if (File.Exists(root)) Util.InputPath.RequireFolder(root, "VOC folder", "the VOC2012 folder");
        if (!Directory.Exists(root))
            throw new ApcException($"VOC folder '{root}': folder not found (expected the VOC2012 folder with JPEGImages, Annotations, ImageSets).");
        Root = Path.TrimEndingDirectorySeparator(root); Split = split; ImageSize = imageSize;

        _ids = VocImageList.Read(ListFile(Root, split), Path.Combine(Root, "Annotations"), limit);
        _labelBits = new int[_ids.Length];
        ParallelWork.For(_ids.Length, i =>
        {
            RequireFile(AnnotationPath(_ids[i]), "VOC annotation");
            _labelBits[i] = VocAnnotation.ReadLabelBits(AnnotationPath(_ids[i]));
            RequireFile(ImagePath(_ids[i]), "VOC image");
            if (HasMasks) RequireFile(MaskPath(_ids[i]), "VOC segmentation mask");
        });
    }

    /// <summary>The VOC2012 folder.</summary>
    public string Root { get; }
    /// <summary>Which list the items come from.</summary>
    public VocSplit Split { get; }
    /// <summary>The side images are resized to, in pixels.</summary>
    public int ImageSize { get; }
    /// <summary>Image ids (file names without extension) in list order.</summary>
    public IReadOnlyList<string> ImageIds => _ids;

    /// <inheritdoc/>
    public string Name => $"voc:{Root}/{SplitName(Split)}";
    /// <inheritdoc/>
    public int Count => _ids.Length;
    /// <inheritdoc/>
    public IReadOnlyList<string> ClassNames => VocClassNames;
    /// <inheritdoc/>
    public ImageShape Shape => new(3, ImageSize, ImageSize);
    /// <inheritdoc/>
    public Normalization Normalization => VocNormalization;
    /// <inheritdoc/>
    public bool HasMasks => Split == VocSplit.SegVal;

    /// <summary>The split's name in messages.</summary>
    public static string SplitName(VocSplit split) => split switch
    {
        VocSplit.Train => "train",
        VocSplit.Val => "val",
        VocSplit.SegVal => "seg-val",
        _ => throw new ArgumentOutOfRangeException(nameof(split)),
    };

    /// <summary>The ImageSets list file of <paramref name="split"/> under <paramref name="root"/>.</summary>
    public static string ListFile(string root, VocSplit split) => split switch
    {
        VocSplit.Train => Path.Combine(root, "ImageSets", "Main", "train.txt"),
        VocSplit.Val => Path.Combine(root, "ImageSets", "Main", "val.txt"),
        VocSplit.SegVal => Path.Combine(root, "ImageSets", "Segmentation", "val.txt"),
        _ => throw new ArgumentOutOfRangeException(nameof(split)),
    };

    /// <summary>The JPEG of image <paramref name="id"/>.</summary>
    public string ImagePath(string id) => Path.Combine(Root, "JPEGImages", id + ".jpg");
    /// <summary>The XML annotation of image <paramref name="id"/>.</summary>
    public string AnnotationPath(string id) => Path.Combine(Root, "Annotations", id + ".xml");
    /// <summary>The segmentation PNG of image <paramref name="id"/>.</summary>
    public string MaskPath(string id) => Path.Combine(Root, "SegmentationClass", id + ".png");

    /// <summary>The class indices present in image <paramref name="index"/>, ascending.</summary>
    public IReadOnlyList<int> GetLabels(int index)
    {
        int bits = _labelBits[CheckIndex(index)];
        return Enumerable.Range(0, VocClassNames.Count).Where(k => (bits >> k & 1) != 0).ToArray();
    }

    /// <inheritdoc/>
    public byte[] GetDisplayImage(int index)
    {
        var decoded = DecodedImage.Load(ImagePath(_ids[CheckIndex(index)]), "VOC image", keepGrey: true);
        using var scope = NewDisposeScope();
        return ImagePreprocessing.ToDisplayBytes(ImageTensor(decoded, Crop.Whole(decoded), flip: false));
    }

    /// <summary>Decodes and assembles a batch. With <paramref name="augment"/>, each item draws from
    /// <paramref name="rng"/>, in batch order, a random resized crop (area 8-100 %, aspect 3/4-4/3, as torchvision's
    /// RandomResizedCrop) and then a horizontal flip with probability 1/2; masks, when present, get the same crop
    /// and flip as their image.</summary>
    public Batch GetBatch(IReadOnlyList<int> indices, bool augment, Random? rng = null) => GetBatch(indices, augment, rng, withMasks: true);

    /// <inheritdoc cref="GetBatch(IReadOnlyList{int}, bool, Random?)"/>
    /// <remarks>With <paramref name="withMasks"/> false the mask files are not even read.</remarks>
    public Batch GetBatch(IReadOnlyList<int> indices, bool augment, Random? rng, bool withMasks)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Count == 0) throw new ArgumentException("A batch needs at least one index.", nameof(indices));
        if (augment && rng is null) throw new ArgumentNullException(nameof(rng), "Augmentation needs a random generator.");
        int b = indices.Count, classes = VocClassNames.Count;
        bool masked = withMasks && HasMasks;
        var ids = indices.Select(CheckIndex).ToArray();

        // Decoding dominates and is independent per file; random draws come afterwards, in batch order, so the
        // result does not depend on how the decoding threads were scheduled.
        var images = new DecodedImage[b];
        var masks = new DecodedImage[b];
        ParallelWork.For(b, j =>
        {
            images[j] = DecodedImage.Load(ImagePath(_ids[ids[j]]), "VOC image", keepGrey: true);
            if (masked) masks[j] = DecodedImage.Load(MaskPath(_ids[ids[j]]), "VOC segmentation mask", keepGrey: true);
        });
        var crops = new Crop[b];
        var flips = new bool[b];
        for (int j = 0; j < b; j++)
        {
            if (masked && (masks[j].Width != images[j].Width || masks[j].Height != images[j].Height))
                throw new ApcException($"VOC segmentation mask {MaskPath(_ids[ids[j]])} is {masks[j].Width}x{masks[j].Height} but its image is {images[j].Width}x{images[j].Height}.");
            crops[j] = augment ? Crop.RandomResized(rng!, images[j].Width, images[j].Height) : Crop.Whole(images[j]);
            flips[j] = augment && rng!.Next(2) == 1;
        }

        var labels = new float[b * classes];
        for (int j = 0; j < b; j++)
            for (int k = 0; k < classes; k++) labels[j * classes + k] = _labelBits[ids[j]] >> k & 1;

        using var scope = NewDisposeScope();
        var imageBatch = stack(Enumerable.Range(0, b).Select(j => ImageTensor(images[j], crops[j], flips[j])));
        imageBatch = ImagePreprocessing.Normalize(imageBatch, Normalization);
        Tensor? maskBatch = null;
        if (masked)
            maskBatch = stack(Enumerable.Range(0, b).Select(j => MaskTensor(masks[j], MaskPath(_ids[ids[j]]), crops[j], flips[j])));
        return new Batch(imageBatch.MoveToOuterDisposeScope(), tensor(labels, [b, classes]).MoveToOuterDisposeScope(),
            maskBatch?.MoveToOuterDisposeScope(), ids);
    }

    /// <summary>[3,S,S] float in [0,1]: the crop of the image, resized (<see cref="ImagePreprocessing"/>) and
    /// optionally flipped.</summary>
    private Tensor ImageTensor(DecodedImage decoded, Crop crop, bool flip)
    {
        // A scope per item frees its temporaries at once; a batch of large photos would otherwise hold them all.
        using var scope = NewDisposeScope();
        var resized = ImagePreprocessing.Resized(decoded, 3, ImageSize, (crop.Top, crop.Left, crop.Height, crop.Width));
        return (flip ? resized.flip(2) : resized).MoveToOuterDisposeScope();
    }

    /// <summary>[K,S,S] float: one-hot class masks of the crop, resized by nearest neighbour.</summary>
    private Tensor MaskTensor(DecodedImage decoded, string path, Crop crop, bool flip)
    {
        using var scope = NewDisposeScope();
        var indices = MaskIndices(decoded, path);
        // Nearest neighbour at pixel centres: output o takes source floor((o + 0.5) * in / out), as PIL and
        // torch's "nearest-exact" do; gathering rows and columns needs no per-pixel work.
        var rows = tensor(NearestSources(crop.Top, crop.Height, ImageSize));
        var cols = tensor(NearestSources(crop.Left, crop.Width, ImageSize));
        var resized = indices.index_select(0, rows).index_select(1, cols);
        // Class k (0-based) has mask value k+1; background 0 and void 255 match no class.
        var classValues = arange(1, VocClassNames.Count + 1, dtype: ScalarType.Int32).view(-1, 1, 1);
        var oneHot = resized.unsqueeze(0).eq(classValues).to_type(ScalarType.Float32);
        return (flip ? oneHot.flip(2) : oneHot).MoveToOuterDisposeScope();
    }

    private static long[] NearestSources(int start, int length, int size)
    {
        var sources = new long[size];
        for (int o = 0; o < size; o++) sources[o] = start + Math.Min(length - 1, (int)((o + 0.5) * length / size));
        return sources;
    }

    /// <summary>[H,W] int32 mask indices. Colour PNGs (SkiaSharp expands palettes) are mapped back through the VOC
    /// colour map; grey PNGs (as in SegmentationClassAug) already hold indices.</summary>
    private static Tensor MaskIndices(DecodedImage decoded, string path)
    {
        int h = decoded.Height, w = decoded.Width;
        Tensor indices;
        if (decoded.Channels == 1)
            indices = tensor(decoded.Pixels, [h, w]).to_type(ScalarType.Int32);
        else
        {
            // Undo the colour map's bit spreading (see VocPalette): bit 7-j of red, green, blue holds bit 3j,
            // 3j+1, 3j+2 of the index. Colours outside the map are caught below by mapping the index back.
            var rgba = tensor(decoded.Pixels, [h, w, 4]).to_type(ScalarType.Int32);
            indices = zeros([h, w], ScalarType.Int32);
            for (int c = 0; c < 3; c++)
            {
                var channel = rgba.select(2, c);
                for (int j = 0; 3 * j + c < 8; j++)   // indices have 8 bits
                    indices.bitwise_or_(channel.bitwise_right_shift(7 - j).bitwise_and(1).bitwise_left_shift(3 * j + c));
            }
            var key = rgba.select(2, 0).bitwise_left_shift(16)
                .bitwise_or(rgba.select(2, 1).bitwise_left_shift(8))
                .bitwise_or(rgba.select(2, 2));
            var expected = tensor(VocPalette.Keys).index_select(0, indices.flatten()).view(h, w);
            var known = key.eq(expected);
            if (!known.all().item<bool>())
            {
                int at = FirstFalse(known);
                var p = decoded.Pixels.AsSpan(at * 4, 3);
                throw new ApcException($"VOC segmentation mask '{path}' has colour ({p[0]},{p[1]},{p[2]}) at pixel ({at % w},{at / w}), which is not a VOC class colour.");
            }
        }
        var valid = indices.le(VocClassNames.Count).logical_or(indices.eq(VocPalette.Void));
        if (!valid.all().item<bool>())
        {
            int at = FirstFalse(valid);
            string what = decoded.Channels == 1 ? $"value {decoded.Pixels[at]}" : $"the colour of index {indices.flatten()[at].item<int>()}";
            throw new ApcException($"VOC segmentation mask '{path}' has {what} at pixel ({at % w},{at / w}); VOC masks hold 0-{VocClassNames.Count} and 255 (void).");
        }
        return indices;
    }

    private static int FirstFalse(Tensor ok) => (int)ok.logical_not().flatten().to_type(ScalarType.Int32).argmax().item<long>();

    private int CheckIndex(int index) =>
        (uint)index < (uint)Count ? index : throw new ArgumentOutOfRangeException(nameof(index), $"{Name} has {Count} items; index {index} is out of range.");

    private static void RequireFile(string path, string what)
    {
        Util.InputPath.RequireFile(path, what, "a file");
    }

    /// <summary>A rectangle of the source image, in pixels.</summary>
    private readonly record struct Crop(int Top, int Left, int Height, int Width)
    {
        public static Crop Whole(DecodedImage image) => new(0, 0, image.Height, image.Width);

        /// <summary>torchvision's RandomResizedCrop: up to 10 tries at a random area fraction and log-uniform
        /// aspect ratio; if none fits, a centre crop clamped to the allowed aspect range.</summary>
        public static Crop RandomResized(Random rng, int width, int height)
        {
            double area = (double)width * height;
            double logMin = Math.Log(MinCropRatio), logMax = Math.Log(MaxCropRatio);
            for (int attempt = 0; attempt < 10; attempt++)
            {
                double target = area * (MinCropArea + rng.NextDouble() * (1 - MinCropArea));
                double ratio = Math.Exp(logMin + rng.NextDouble() * (logMax - logMin));
                int w = (int)Math.Round(Math.Sqrt(target * ratio));
                int h = (int)Math.Round(Math.Sqrt(target / ratio));
                if (w > 0 && w <= width && h > 0 && h <= height)
                    return new Crop(rng.Next(height - h + 1), rng.Next(width - w + 1), h, w);
            }
            double aspect = (double)width / height;
            int cw = width, ch = height;
            if (aspect < MinCropRatio) ch = Math.Max(1, (int)Math.Round(width / MinCropRatio));
            else if (aspect > MaxCropRatio) cw = Math.Max(1, (int)Math.Round(height * MaxCropRatio));
            return new Crop((height - ch) / 2, (width - cw) / 2, ch, cw);
        }
    }
}
