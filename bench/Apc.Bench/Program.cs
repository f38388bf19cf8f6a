using System.Diagnostics;
using System.Globalization;
using Apc.Attribution;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

// Benchmarks (not tests): speeds are reported as ratios against a baseline measured in the same run, because
// this machine is noisy. Usage: dotnet run -c Release --project bench/Apc.Bench -- [attribution|geometry|deployment] [--arch SPEC] [--repeats N]
// [--batch N] (geometry only) [--teacher CKPT] [--threads N] [--student SPEC] [--ratios LIST] [--blocks G] (deployment only)
Apc.Util.OneDnnCacheWorkaround.Apply(); // before anything computes
var argsList = args.ToList();
string Option(string name, string fallback)
{
    int i = argsList.IndexOf(name);
    return i >= 0 && i + 1 < argsList.Count ? argsList[i + 1] : fallback;
}
var suite = argsList.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "attribution";
var arch = Option("--arch", "vgg16-bn:w=1/4");
int repeats = int.Parse(Option("--repeats", "5"), CultureInfo.InvariantCulture);
int imageSize = int.Parse(Option("--image-size", "64"), CultureInfo.InvariantCulture);
int channels = int.Parse(Option("--channels", "1"), CultureInfo.InvariantCulture);
if (suite == "geometry") return Geometry();
if (suite == "deployment") return Apc.Bench.DeploymentBench.Run(Option);
torch.manual_seed(0);
using var model = ModelFactory.Create(new ModelConfig(ArchSpec.Parse(arch), channels, 10, imageSize));
model.eval();
Console.WriteLine($"# apc bench {suite}: {arch}, {channels}x{imageSize}x{imageSize}, torch threads {torch.get_num_threads()}, median of {repeats}");

double Median(Func<double> measure)
{
    measure(); // warm-up
    var times = Enumerable.Range(0, repeats).Select(_ => measure()).OrderBy(t => t).ToArray();
    return times[times.Length / 2];
}

double Time(Action action)
{
    var clock = Stopwatch.StartNew();
    action();
    return clock.Elapsed.TotalSeconds;
}

if (suite == "attribution")
{
    Console.WriteLine("| method | batch | seconds per batch | maps per second | × forward+backward |");
    Console.WriteLine("|---|---:|---:|---:|---:|");
    foreach (int batch in new[] { 1, 64 })
    {
        using var x = randn(batch, channels, imageSize, imageSize);
        using var targets = zeros(batch, dtype: ScalarType.Int64);
        // Baseline: one forward pass plus one backward pass to the input for the batch.
        double baseline = Median(() => Time(() =>
        {
            using var scope = NewDisposeScope();
            var input = x.detach().requires_grad_(true);
            var logits = model.call(input);
            autograd.grad(new[] { logits[.., 0].sum() }, new[] { input });
        }));
        Console.WriteLine($"| forward+backward | {batch} | {baseline:F4} | {batch / baseline:F1} | 1.00 |");
        foreach (var name in AttributionMethods.Names)
        {
            var method = AttributionMethods.Create(name, new AttributionOptions { Steps = 32, Samples = 16 });
            double seconds = Median(() => Time(() =>
            {
                using var scope = NewDisposeScope();
                method.Attribute(model, x, targets);
            }));
            Console.WriteLine($"| {name} | {batch} | {seconds:F4} | {batch / seconds:F1} | {seconds / baseline:F2} |");
        }
    }
}
else
{
    Console.Error.WriteLine($"unknown suite '{suite}'; valid: attribution, geometry, deployment");
    return 2;
}
return 0;

// Cost of one training image (forward + backward to the parameters, training mode) for ways of giving a small input the
// reference's geometry (relu5_3 ≥ 8×8, last pool ≥ 4×4), as ratios to the plain network. Timed in turns, median per row.
int Geometry()
{
    int batch = int.Parse(Option("--batch", "32"), CultureInfo.InvariantCulture);
    var rows = new (string Arch, int Size)[]
    {
        ("vgg16-bn:w=1/4", imageSize), ("vgg16-bn:w=1/4:skip-pools=4", imageSize),
        ("vgg16-bn:w=1/4:skip-pools=1", imageSize), ("vgg16-bn:w=1/4", 2 * imageSize),
    };
    Console.WriteLine($"# apc bench geometry: {channels} channel(s), batch {batch}, torch threads {torch.get_num_threads()}, median of {repeats} (timed in turns)");
    var nets = rows.Select(r =>
    {
        torch.manual_seed(0);
        var net = ModelFactory.Create(new ModelConfig(ArchSpec.Parse(r.Arch), channels, 10, r.Size));
        net.train();
        return net;
    }).ToArray();
    var inputs = rows.Select(r => randn(batch, channels, r.Size, r.Size)).ToArray();
    using var labels = randint(0, 2, new long[] { batch, 10 }).to_type(ScalarType.Float32);
    double Step(int i) => Time(() =>
    {
        using var scope = NewDisposeScope();
        nets[i].zero_grad();
        var loss = nn.functional.binary_cross_entropy_with_logits(nets[i].call(inputs[i]), labels);
        loss.backward();
    });
    for (int i = 0; i < rows.Length; i++) Step(i); // warm-up
    var times = rows.Select(_ => new List<double>()).ToArray();
    for (int r = 0; r < repeats; r++)
        for (int i = 0; i < rows.Length; i++) times[i].Add(Step(i));
    var medians = times.Select(t => t.Order().ElementAt(t.Count / 2)).ToArray();
    var macs = nets.Select(n => n.MultiplyAccumulates()).ToArray();
    Console.WriteLine("| network | input | relu5_3 | last pool | MACs/image | × MACs | ms per training image | × time |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (int i = 0; i < rows.Length; i++)
    {
        var (net, size) = (nets[i], rows[i].Size);
        var (_, acts) = net.ForwardCapturing(inputs[i][..1], "relu5_3", net.DefaultMatchingLayer);
        Console.WriteLine($"| {rows[i].Arch} | {size} | {acts["relu5_3"].shape[2]}×{acts["relu5_3"].shape[3]} | " +
            $"{acts[net.DefaultMatchingLayer].shape[2]}×{acts[net.DefaultMatchingLayer].shape[3]} | {macs[i]:N0} | {(double)macs[i] / macs[0]:F2} | " +
            $"{1000 * medians[i] / batch:F2} | {medians[i] / medians[0]:F2} |");
    }
    foreach (var n in nets) n.Dispose();
    foreach (var x in inputs) x.Dispose();
    return 0;
}
