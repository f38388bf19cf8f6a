using System.Diagnostics;
using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Deployment;

/// <summary>Wall-clock latency of one forward pass of an <see cref="IImageClassifier"/> (a TorchSharp network or an ONNX
/// Runtime session) at a given batch size, on seeded random images. A single machine's figure: compare only numbers
/// taken in the same run (docs/performance.md holds the controlled benchmark).</summary>
public static class ClassifierLatency
{
    /// <summary>Untimed calls before the timed ones (first-call allocation and graph optimisation).</summary>
    public const int DefaultWarmup = 2;

    /// <summary>Timed calls whose median is reported.</summary>
    public const int DefaultRepeats = 5;

    /// <summary>Median wall time in milliseconds of <paramref name="repeats"/> calls of <see cref="IImageClassifier.Logits"/>
    /// on a batch of <paramref name="batch"/> images [batch,C,H,W], after <paramref name="warmup"/> untimed calls.</summary>
    /// <exception cref="ArgumentOutOfRangeException">batch or repeats below 1, or warmup below 0.</exception>
    public static double MedianMs(IImageClassifier model, int batch, int warmup = DefaultWarmup, int repeats = DefaultRepeats)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        using var images = LogitAgreement.RandomImages(model.Config, batch, seed: 1);
        var times = new double[repeats];
        for (int i = 0; i < warmup + repeats; i++)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            model.Logits(images);
            clock.Stop();
            if (i >= warmup) times[i - warmup] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return repeats % 2 == 1 ? times[repeats / 2] : (times[repeats / 2 - 1] + times[repeats / 2]) / 2;
    }
}
