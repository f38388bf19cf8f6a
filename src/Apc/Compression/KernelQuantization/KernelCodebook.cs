using Apc.Compression.Quantization;
using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Compression.KernelQuantization;

/// <summary>One conv layer in kernel-quantized form (Kernel Quantization, Yu et al. 2020; docs/compression.md): its N = O·I
/// kernels of k_h×k_w weights are replaced by K ≤ 2^b codebook kernels, each kernel by a b-bit index. The codebook's
/// float master C [K, k_h·k_w] is what fine-tuning moves; the network only ever sees fq(C), C on a symmetric grid of
/// <see cref="CodebookBits"/> bits with one scale for the layer (scale = max|C| / (2^(bits−1) − 1)), and the conv weight
/// is W[o,i] = fq(C)[index[o,i]] exactly.</summary>
/// <remarks>Bits of the layer, as stored packed: N·⌈log₂K⌉ for the indices, K·k_h·k_w·codebook bits for the codebook and
/// 32 for its float32 scale (<see cref="Bits(long, long, long, int)"/>); divided by the N·k_h·k_w weights it replaces, that is the layer's bits
/// per conv parameter (<see cref="BitsPerWeight"/>). The conv's bias, if any, stays float.</remarks>
public sealed class KernelCodebook : IDisposable
{
    Tensor master;
    Tensor index;

    /// <summary>A layer from its k-means clustering: <paramref name="centres"/> [K, d] become the master codebook and
    /// <paramref name="assignments"/> [N] the indices (both copied, on <paramref name="device"/>).</summary>
    public KernelCodebook(LayerNode conv, long[] shape, Tensor centres, Tensor assignments, int requestedBits, int codebookBits,
        int iterations, double relativeError, Device device)
    {
        Conv = conv;
        Shape = shape;
        RequestedBits = requestedBits;
        CodebookBits = codebookBits;
        KMeansIterations = iterations;
        RelativeError = relativeError;
        master = centres.to(float32).to(device).clone().DetachFromDisposeScope();
        index = assignments.to(int64).to(device).clone().DetachFromDisposeScope();
    }

    /// <summary>The conv node.</summary>
    public LayerNode Conv { get; }
    /// <summary>The conv's weight parameter name (state-dict key).</summary>
    public string Parameter => Conv.Name + ".weight";
    /// <summary>The weight's shape [O, I, k_h, k_w] (I per group for a grouped conv).</summary>
    public long[] Shape { get; }
    /// <summary>N = O·I kernels.</summary>
    public long Kernels => Shape[0] * Shape[1];
    /// <summary>k_h·k_w weights per kernel.</summary>
    public long KernelSize => Shape[2] * Shape[3];
    /// <summary>K: the codebook's kernels (2^b, or fewer when the layer has fewer distinct kernels).</summary>
    public long Entries => master.shape[0];
    /// <summary>b as asked for (--index-bits or --layer-index-bits).</summary>
    public int RequestedBits { get; }
    /// <summary>⌈log₂K⌉, the bits an index needs (b unless the codebook has fewer than 2^b kernels).</summary>
    public int IndexBits => IndexBitsFor(Entries);
    /// <summary>Bits of each codebook value.</summary>
    public int CodebookBits { get; }
    /// <summary>Lloyd iterations the k-means ran.</summary>
    public int KMeansIterations { get; }
    /// <summary>‖W − C[index]‖² / ‖W‖² after k-means (before the codebook grid and fine-tuning).</summary>
    public double RelativeError { get; }
    /// <summary>The float master codebook [K, d] (live; fine-tuning moves it).</summary>
    public Tensor Master => master;
    /// <summary>The kernels' indices [N] (int64, live; fixed after k-means).</summary>
    public Tensor Index => index;

    /// <summary>⌈log₂K⌉ (0 for a single entry).</summary>
    public static int IndexBitsFor(long entries) => entries <= 1 ? 0 : (int)Math.Ceiling(Math.Log2(entries));

    /// <summary>Bits of a kernel-quantized layer: N·index bits + K·k_h·k_w·codebook bits + 32 (the codebook's float32 scale).</summary>
    public static long Bits(long kernels, long kernelSize, long entries, int codebookBits) =>
        kernels * IndexBitsFor(entries) + entries * kernelSize * codebookBits + 32;

    /// <summary>This layer's bits (<see cref="Bits(long, long, long, int)"/>).</summary>
    public long Bits() => Bits(Kernels, KernelSize, Entries, CodebookBits);

    /// <summary>Bits per weight of the conv: <see cref="Bits()"/> / (N·k_h·k_w).</summary>
    public double BitsPerWeight => (double)Bits() / (Kernels * KernelSize);

    /// <summary>The codebook on its grid: integer levels (int8 [K, d]) and the layer's scale (float32 [1]).</summary>
    public (Tensor Levels, Tensor Scale) Quantized()
    {
        using var scope = NewDisposeScope();
        var (levels, scales) = WeightQuantizer.Quantize(master.reshape(1, -1), CodebookBits);
        return (levels.reshape(master.shape).MoveToOuterDisposeScope(), scales.MoveToOuterDisposeScope());
    }

    /// <summary>fq(C): levels·scale, float32 [K, d].</summary>
    public Tensor Codebook()
    {
        var (levels, scale) = Quantized();
        using (levels) using (scale) return Dequantize(levels, scale);
    }

    /// <summary>The conv weight fq(C)[index], float32 [O, I, k_h, k_w].</summary>
    public Tensor Weight()
    {
        using var scope = NewDisposeScope();
        return Codebook().index(index).reshape(Shape).MoveToOuterDisposeScope();
    }

    /// <summary>levels·scale for stored levels [K, ...] and a scale [1].</summary>
    public static Tensor Dequantize(Tensor levels, Tensor scale) => levels.to(float32).mul(scale.to(float32).reshape(1));

    /// <summary>Straight-through update after an optimizer step: entry j moves by the mean of the steps its kernels' weights
    /// took from fq(C)[index]. The loss's gradient for the entry is the sum over its kernels, ∂L/∂C_j = Σ_{index = j} ∂L/∂W
    /// (the chain rule through the gather; the rounding to the grid passes it straight through); SGD's step is linear in
    /// the gradient, so the mean is that step divided by the entry's n_j kernels: a per-entry step size that keeps an
    /// entry's step on the scale of one weight's whatever n_j is (with the sum it grew with n_j, up to about 1,000 here,
    /// and the same --lr could not serve small and large layers; docs/compression.md has the comparison).</summary>
    public void Step(Tensor weightAfter)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        Follow(weightAfter.device);
        var taken = weightAfter.detach().reshape(Kernels, KernelSize).sub(Codebook().index(index));
        var counts = bincount(index, minlength: Entries).to(master.dtype).clamp_min(1).unsqueeze(1);
        master.add_(zeros_like(master).index_add_(0, index, taken, 1).div_(counts));
    }

    /// <summary>Replaces the master and indices (resuming).</summary>
    public void Load(Tensor savedMaster, Tensor savedIndex, string source)
    {
        if (!savedMaster.shape.SequenceEqual(new[] { savedMaster.shape[0], KernelSize }) || savedMaster.shape[0] < 1
            || !savedIndex.shape.SequenceEqual(new[] { Shape[0], Shape[1] }))
            throw new ApcException($"{source}: the saved codebook of '{Parameter}' does not fit the layer; cannot resume kernel quantization.");
        var device = master.device;
        master.Dispose();
        index.Dispose();
        master = savedMaster.to(float32).to(device).clone().DetachFromDisposeScope();
        index = savedIndex.to(int64).to(device).flatten().clone().DetachFromDisposeScope();
    }

    /// <summary>Moves the master and indices to <paramref name="device"/> (after the model moved).</summary>
    public void Follow(Device device)
    {
        if (master.device_type == device.type && master.device_index == device.index) return;
        var (m, i) = (master.to(device).DetachFromDisposeScope(), index.to(device).DetachFromDisposeScope());
        master.Dispose();
        index.Dispose();
        (master, index) = (m, i);
    }

    /// <summary>Releases the master and the indices.</summary>
    public void Dispose()
    {
        master.Dispose();
        index.Dispose();
    }
}
