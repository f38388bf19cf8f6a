using Apc.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests;

/// <summary>A small deterministic multi-label data set for tests: class k present means a bright square
/// in cell k of a grid (its mask is that square), on a noisy background. Learnable in a few epochs.</summary>
public sealed class TinyDataset : IDataset
{
    readonly float[][] images;
    readonly bool[][] present;
    readonly int size, classes, cell;

    public TinyDataset(int count, int seed, int size = 32, int classes = 4, int channels = 1)
    {
        this.size = size; this.classes = classes;
        Shape = new ImageShape(channels, size, size);
        int grid = (int)Math.Ceiling(Math.Sqrt(classes));
        cell = size / grid;
        var rng = new Random(seed);
        images = new float[count][];
        present = new bool[count][];
        for (int i = 0; i < count; i++)
        {
            var labels = Enumerable.Range(0, classes).Select(_ => rng.NextDouble() < 0.4).ToArray();
            if (!labels.Any()) labels[rng.Next(classes)] = true;
            present[i] = labels;
            var img = new float[channels * size * size];
            for (int p = 0; p < img.Length; p++) img[p] = (float)(rng.NextDouble() * 0.2);
            for (int k = 0; k < classes; k++)
            {
                if (!labels[k]) continue;
                foreach (var (y, x) in Cell(k))
                    for (int c = 0; c < channels; c++) img[c * size * size + y * size + x] = 0.8f + (float)(rng.NextDouble() * 0.2);
            }
            images[i] = img;
        }
    }

    IEnumerable<(int Y, int X)> Cell(int k)
    {
        int grid = size / cell, gy = k / grid, gx = k % grid, margin = cell / 4;
        for (int y = gy * cell + margin; y < (gy + 1) * cell - margin; y++)
            for (int x = gx * cell + margin; x < (gx + 1) * cell - margin; x++)
                yield return (y, x);
    }

    public string Name => "tiny";
    public int Count => images.Length;
    public IReadOnlyList<string> ClassNames => Enumerable.Range(0, classes).Select(k => $"class{k}").ToList();
    public ImageShape Shape { get; }
    public Normalization Normalization => new(Enumerable.Repeat(0.3f, Shape.Channels).ToArray(), Enumerable.Repeat(0.35f, Shape.Channels).ToArray());
    public bool HasMasks => true;

    public Batch GetBatch(IReadOnlyList<int> indices, bool augment, Random? rng = null)
    {
        using var scope = NewDisposeScope();
        int b = indices.Count;
        var flat = indices.SelectMany(i => images[i]).ToArray();
        var imgs = tensor(flat).view(b, Shape.Channels, size, size);
        var mean = tensor(Normalization.Mean).view(1, -1, 1, 1);
        var std = tensor(Normalization.Std).view(1, -1, 1, 1);
        imgs = (imgs - mean) / std;
        var labels = tensor(indices.SelectMany(i => present[i].Select(p => p ? 1f : 0f)).ToArray()).view(b, classes);
        var masks = zeros(b, classes, size, size);
        for (int j = 0; j < b; j++)
            for (int k = 0; k < classes; k++)
                if (present[indices[j]][k])
                    foreach (var (y, x) in Cell(k)) masks[j, k, y, x] = 1f;
        return new Batch(imgs.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), masks.MoveToOuterDisposeScope(), indices.ToArray());
    }

    public byte[] GetDisplayImage(int index) => images[index].Select(v => (byte)Math.Clamp(v * 255, 0, 255)).ToArray();

    public static DataSplits Splits(int train = 96, int val = 32, int size = 32, int classes = 4) =>
        new(new TinyDataset(train, 1, size, classes), new TinyDataset(val, 2, size, classes), null);
}
