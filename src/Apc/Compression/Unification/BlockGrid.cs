using static TorchSharp.torch;

namespace Apc.Compression.Unification;

/// <summary>Which block of a <see cref="BlockShape"/> each element of one weight tensor belongs to: <see cref="Ids"/>
/// (long, one entry per element in row-major order) numbers the blocks row-major over the [O, L] matrix view,
/// <see cref="Counts"/> holds each block's number of weights (smaller at the edges). Owns its tensors.</summary>
public sealed class BlockGrid : IDisposable
{
    /// <summary>The grid of a tensor of <paramref name="shape"/> (at least one dimension) on <paramref name="device"/>.</summary>
    public BlockGrid(long[] shape, BlockShape block, Device device)
    {
        if (shape.Length == 0) throw new ArgumentException("a scalar has no blocks.", nameof(shape));
        Shape = shape;
        Block = block;
        long rows = shape[0], columns = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        RowBlocks = (rows + block.Rows - 1) / block.Rows;
        ColumnBlocks = (columns + block.Columns - 1) / block.Columns;
        using var scope = NewDisposeScope();
        var r = arange(rows, dtype: ScalarType.Int64, device: device).div(block.Rows, rounding_mode: RoundingMode.floor);
        var c = arange(columns, dtype: ScalarType.Int64, device: device).div(block.Columns, rounding_mode: RoundingMode.floor);
        Ids = (r.unsqueeze(1) * ColumnBlocks + c.unsqueeze(0)).flatten().MoveToOuterDisposeScope();
        Counts = zeros(Count, dtype: ScalarType.Float32, device: device)
            .index_add_(0, Ids, ones(Ids.shape[0], dtype: ScalarType.Float32, device: device), 1).MoveToOuterDisposeScope();
        var firstRow = arange(RowBlocks, dtype: ScalarType.Int64, device: device) * (block.Rows * columns);
        var firstColumn = arange(ColumnBlocks, dtype: ScalarType.Int64, device: device) * block.Columns;
        First = (firstRow.unsqueeze(1) + firstColumn.unsqueeze(0)).flatten().MoveToOuterDisposeScope();
    }

    /// <summary>The tensor's shape.</summary>
    public long[] Shape { get; }
    /// <summary>The block shape.</summary>
    public BlockShape Block { get; }
    /// <summary>⌈O/R⌉ block rows.</summary>
    public long RowBlocks { get; }
    /// <summary>⌈L/S⌉ blocks per block row.</summary>
    public long ColumnBlocks { get; }
    /// <summary>Number of blocks.</summary>
    public long Count => RowBlocks * ColumnBlocks;
    /// <summary>Block id of every element (long [numel]).</summary>
    public Tensor Ids { get; }
    /// <summary>Weights per block (float32 [Count]).</summary>
    public Tensor Counts { get; }
    /// <summary>Flat index of each block's first element, its top-left entry in the [O, L] view (long [Count]).</summary>
    public Tensor First { get; }

    /// <summary>Σ over each block of <paramref name="values"/> (any shape with the tensor's element count), [Count] in
    /// the values' dtype.</summary>
    public Tensor BlockSum(Tensor values) =>
        zeros(Count, dtype: values.dtype, device: values.device).index_add_(0, Ids, values.flatten(), 1);

    /// <summary>Per-block values [Count] spread back over the tensor's elements, in its shape.</summary>
    public Tensor Spread(Tensor perBlock) => perBlock.index_select(0, Ids).view(Shape);

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        Ids.Dispose();
        Counts.Dispose();
        First.Dispose();
    }
}
