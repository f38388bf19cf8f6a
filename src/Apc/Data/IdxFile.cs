namespace Apc.Data;

/// <summary>The contents of one unsigned-byte IDX file: its dimension sizes (outermost first) and the raw
/// data bytes in row-major order (header removed).</summary>
public sealed record IdxFile(string Path, int[] Dimensions, byte[] Data)
{
    /// <summary>Number of bytes one entry of the outermost dimension occupies (e.g. 784 for 28x28 images).</summary>
    public int ItemSize => Dimensions.Skip(1).Aggregate(1, (a, b) => a * b);
}
