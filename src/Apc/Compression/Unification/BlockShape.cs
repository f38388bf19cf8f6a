using System.Globalization;

namespace Apc.Compression.Unification;

/// <summary>The shape of a micro-block of weight unification (--block-shape RxS): a weight tensor [O, ...] is read as a
/// matrix [O, L] (row o = output filter o flattened in row-major order: input channel, then kernel row, then kernel
/// column, so L = C·kh·kw for a conv), and cut into blocks of <paramref name="Rows"/> consecutive filters ×
/// <paramref name="Columns"/> consecutive entries of a row. Where O or L is not a multiple, the last block of each
/// row (or the last group of filters) is smaller; it is a block like the others (unified, counted, possibly zero).</summary>
/// <param name="Rows">R: output filters per block (at least 1).</param>
/// <param name="Columns">S: consecutive weights of a filter's row per block (at least 1).</param>
public sealed record BlockShape(int Rows, int Columns)
{
    /// <summary>Weights per full block, R·S.</summary>
    public int Size => Rows * Columns;

    /// <summary>"1x4".</summary>
    public override string ToString() => $"{Rows.ToString(CultureInfo.InvariantCulture)}x{Columns.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses "RxS" (e.g. 1x4, 2x2, 1x9); a malformed text or a block of fewer than 2 weights is a one-line
    /// <see cref="UsageException"/> naming --block-shape.</summary>
    public static BlockShape Parse(string text)
    {
        var parts = (text ?? "").Trim().ToLowerInvariant().Split('x');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var rows)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var columns))
            throw new UsageException($"--block-shape: '{text}' is not RxS (filters x consecutive weights of a filter, e.g. 1x4).");
        return new BlockShape(rows, columns).Validated();
    }

    /// <summary>Throws a one-line <see cref="UsageException"/> for a block of no weight or of one weight (which unifies
    /// nothing); returns the shape.</summary>
    public BlockShape Validated()
    {
        if (Rows < 1 || Columns < 1) throw new UsageException($"--block-shape {this}: both sizes must be at least 1.");
        if (Size < 2) throw new UsageException($"--block-shape {this}: a block of one weight unifies nothing (for single-weight pruning use compress unstructured).");
        return this;
    }
}
