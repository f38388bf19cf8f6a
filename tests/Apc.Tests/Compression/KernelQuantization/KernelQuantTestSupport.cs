using Apc.Compression.KernelQuantization;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Compression.KernelQuantization;

/// <summary>Checks shared by the kernel quantization tests.</summary>
internal static class KernelQuantTestSupport
{
    /// <summary>Every quantized conv weight of <paramref name="model"/> is its stored codebook gathered by its stored
    /// indices; its kernels are codebook entries (at most 2^b distinct); the codebook's levels lie on the symmetric
    /// <paramref name="codebookBits"/>-bit grid, the largest on its end.</summary>
    public static void AssertOnCodebooks(ClassifierNet model, IReadOnlyDictionary<string, Tensor> extra, int indexBits, int codebookBits, int layers)
    {
        var rebuilt = KernelCodebooks.Rebuild(extra);
        Assert.Equal(layers, rebuilt.Count);
        int maxLevel = (1 << (codebookBits - 1)) - 1;
        foreach (var (name, weight) in rebuilt)
        {
            var actual = Param(model, name).detach().cpu();
            TensorAssert.Same(weight, actual, $"{name} = codebook[index]");
            var distinct = DistinctKernels(actual);
            Assert.True(distinct.shape[0] <= 1L << indexBits, $"{name}: {distinct.shape[0]} distinct kernels");
            var levels = extra[KernelCodebooks.CodebookKey(name)];
            Assert.Equal(ScalarType.Int8, levels.dtype);
            Assert.Equal(maxLevel, levels.to(int32).abs().max().item<int>());
            // Every distinct kernel is one of the codebook's entries (levels·scale), exactly.
            var codebook = KernelCodebook.Dequantize(levels.reshape(levels.shape[0], -1), extra[KernelCodebooks.ScaleKey(name)]);
            for (long k = 0; k < distinct.shape[0]; k++)
                Assert.True(codebook.eq(distinct[k]).all(1).any().item<bool>(), $"{name}: kernel {k} is not a codebook entry");
            // On the grid: weight / scale is an integer in [−L, L].
            var onGrid = actual.div(extra[KernelCodebooks.ScaleKey(name)]);
            TensorAssert.Close(onGrid.round(), onGrid, rtol: 0, atol: 1e-4, what: $"{name} on the {codebookBits}-bit grid");
            Assert.True(onGrid.abs().max().item<float>() <= maxLevel + 1e-4);
            Assert.Equal(ScalarType.Byte, extra[KernelCodebooks.IndexKey(name)].dtype);
        }
        foreach (var w in rebuilt.Values) w.Dispose();
    }

    /// <summary>The distinct kernels [D, k·k] of a conv weight [O, I, k, k], compared bit for bit.</summary>
    public static Tensor DistinctKernels(Tensor weight)
    {
        var rows = weight.detach().cpu().reshape(weight.shape[0] * weight.shape[1], -1);
        var values = rows.data<float>().ToArray();
        int d = (int)rows.shape[1];
        var seen = new Dictionary<string, int>();
        for (int r = 0; r < rows.shape[0]; r++)
        {
            var key = string.Join(',', values.Skip(r * d).Take(d).Select(v => BitConverter.SingleToInt32Bits(v)));
            seen.TryAdd(key, r);
        }
        return rows.index(tensor(seen.Values.Select(v => (long)v).ToArray()));
    }

    static Tensor Param(ClassifierNet model, string name) => model.named_parameters().Single(p => p.name == name).parameter;
}
