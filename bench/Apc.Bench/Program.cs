using System.Diagnostics;
using System.Globalization;
using Apc.Attribution;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

// Benchmarks (not tests): speeds are reported as ratios against a baseline measured in the same run, because
// this machine is noisy. Usage: dotnet run -c Release --project bench/Apc.Bench -- [attribution|surgery] [--arch SPEC] [--repeats N]
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
    Console.Error.WriteLine($"unknown suite '{suite}'; valid: attribution");
    return 2;
}
return 0;
