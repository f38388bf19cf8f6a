using Apc.Attribution;
using Apc.Evaluation;
using static TorchSharp.torch;
using static Apc.Tests.Compression.Pruning.PruningTestNets;

namespace Apc.Tests.Evaluation;

/// <summary>The reference-map cache gives exactly the maps the reference computes, computes only what it lacks, and
/// never hands out a map of another pair, reference or option set.</summary>
public class ReferenceMapCacheTests
{
    static (Tensor Images, Tensor Classes) Pairs(int n, int seed)
    {
        using var generator = new TorchSharp.torch.Generator((ulong)seed);
        return (randn(new long[] { n, 1, 32, 32 }, generator: generator), randint(0, 4, new long[] { n }, generator: generator));
    }

    [Fact]
    public void ReadMapsEqualComputedOnesAndOnlyMissingPairsAreComputed()
    {
        using var dir = new TempFolder();
        using var reference = Build("vgg11-bn:w=1/16");
        reference.eval();
        var options = new AttributionOptions();
        var gradcam = AttributionMethods.Create("gradcam", options);
        Tensor Direct(Tensor x, Tensor k) => gradcam.Attribute(reference, x, k);
        var calls = new List<long>();
        Tensor Counted(Tensor x, Tensor k) { calls.Add(x.shape[0]); return Direct(x, k); }

        var (images, classes) = Pairs(6, seed: 1);
        var cache = new ReferenceMapCache(dir.Path, "sha256:reference-a");
        using var first = cache.Maps(gradcam, options, images, classes, Counted);
        Assert.Equal(new long[] { 6 }, calls);
        Assert.Equal((0, 6), (cache.Hits, cache.Misses));
        using var direct = Direct(images, classes);
        TensorAssert.Same(direct, first);

        // The same pairs again, in another process's cache object: all read, nothing computed, bit-identical.
        var again = new ReferenceMapCache(dir.Path, "sha256:reference-a");
        using var read = again.Maps(gradcam, options, images, classes, (_, _) => throw new InvalidOperationException("computed a cached map"));
        Assert.Equal((6, 0), (again.Hits, again.Misses));
        TensorAssert.Same(first, read);

        // Two new pairs among four known ones, in another order: only the two are computed, and each row is its pair's map.
        var (fresh, freshClasses) = Pairs(2, seed: 2);
        using var order = tensor(new long[] { 4, 0, 2 });
        using var mixedImages = cat(new[] { fresh[0..1], images.index_select(0, order), fresh[1..2] });
        using var mixedClasses = cat(new[] { freshClasses[0..1], classes.index_select(0, order), freshClasses[1..2] });
        calls.Clear();
        using var mixed = again.Maps(gradcam, options, mixedImages, mixedClasses, Counted);
        Assert.Equal(new long[] { 2 }, calls);
        using var mixedDirect = Direct(mixedImages, mixedClasses);
        TensorAssert.Close(mixedDirect, mixed, rtol: 1e-5, atol: 1e-7);
    }

    [Fact]
    public void AMapIsFoundOnlyForTheSameReferenceMethodOptionsImageAndClass()
    {
        using var dir = new TempFolder();
        using var reference = Build("vgg11-bn:w=1/16");
        reference.eval();
        var options = new AttributionOptions();
        var (images, classes) = Pairs(3, seed: 3);
        var gradcam = AttributionMethods.Create("gradcam", options);
        new ReferenceMapCache(dir.Path, "sha256:reference-a").Maps(gradcam, options, images, classes, (x, k) => gradcam.Attribute(reference, x, k)).Dispose();

        int Computed(ReferenceMapCache cache, IAttributionMethod method, AttributionOptions o, Tensor x, Tensor k)
        {
            cache.Maps(method, o, x, k, (xs, ks) => method.Attribute(reference, xs, ks)).Dispose();
            return cache.Misses;
        }
        Assert.Equal(0, Computed(new ReferenceMapCache(dir.Path, "sha256:reference-a"), gradcam, options, images, classes));
        Assert.Equal(3, Computed(new ReferenceMapCache(dir.Path, "sha256:reference-b"), gradcam, options, images, classes));
        using var otherClasses = classes.add(1).remainder(4);
        Assert.Equal(3, Computed(new ReferenceMapCache(dir.Path, "sha256:reference-a"), gradcam, options, images, otherClasses));
        using var otherImages = images.add(1e-3);
        Assert.Equal(3, Computed(new ReferenceMapCache(dir.Path, "sha256:reference-a"), gradcam, options, otherImages, classes));
        var layer = options with { Layer = "relu4_2" };
        Assert.Equal(3, Computed(new ReferenceMapCache(dir.Path, "sha256:reference-a"), AttributionMethods.Create("gradcam", layer), layer, images, classes));
        var lrp = AttributionMethods.Create("lrp", options);
        Assert.Equal(3, Computed(new ReferenceMapCache(dir.Path, "sha256:reference-a"), lrp, options, images, classes));
    }

    [Fact]
    public void AnEntryThatDoesNotDescribeItsPairIsRefusedWithOneLine()
    {
        using var dir = new TempFolder();
        using var reference = Build("vgg11-bn:w=1/16");
        reference.eval();
        var options = new AttributionOptions();
        var gradcam = AttributionMethods.Create("gradcam", options);
        var (images, classes) = Pairs(2, seed: 4);
        var cache = new ReferenceMapCache(dir.Path, "sha256:reference-a");
        cache.Maps(gradcam, options, images, classes, (x, k) => gradcam.Attribute(reference, x, k)).Dispose();
        var files = Directory.GetFiles(dir.Path, "*.map", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal).ToArray();
        Assert.Equal(2, files.Length);
        File.Copy(files[0], files[1], overwrite: true); // one pair's map under the other pair's name

        var error = Assert.Throws<ApcException>(() => new ReferenceMapCache(dir.Path, "sha256:reference-a")
            .Maps(gradcam, options, images, classes, (x, k) => gradcam.Attribute(reference, x, k)));
        Assert.Contains("does not hold the map it is named after", error.Message);
        Assert.DoesNotContain('\n', error.Message);

        File.WriteAllBytes(files[1], new byte[] { 1, 2, 3 }); // truncated
        error = Assert.Throws<ApcException>(() => new ReferenceMapCache(dir.Path, "sha256:reference-a")
            .Maps(gradcam, options, images, classes, (x, k) => gradcam.Attribute(reference, x, k)));
        Assert.Contains("remove the folder", error.Message);
    }
}
