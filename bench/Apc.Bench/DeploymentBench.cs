using System.Diagnostics;
using System.Globalization;
using Apc.Checkpoints;
using Apc.Compression.BlockSparse;
using Apc.Compression.Pruning;
using Apc.Compression.Quantization;
using Apc.Deployment;
using Apc.Models;
using Google.Protobuf;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Bench;

/// <summary>ONNX Runtime timing of the deployed forms (issue 10): the teacher (TorchSharp eager and ORT fp32), a kd student,
/// a structurally pruned network and the int8 QDQ network (and its own weights in fp32), at batch 1 and 64 in one run, as
/// ratios against the ORT teacher, with MAC reductions and file sizes. The compressed forms are built here from the
/// teacher without training (the student at the demo's width, pruning at the demo's ratio by filter L1 norm, post-training
/// int8 calibrated on seeded random images): speed and size depend on their structure, not on their trained values.
/// Block-sparse rows (issue 13): the teacher's grouped form with <c>--blocks</c> G (every conv but the first; masked and
/// surgered as the stage does, permutation seed 0), and a structurally pruned network whose uniform ratio is chosen so
/// that its MACs are as close as possible to the grouped network's; both are compared with the dense ORT teacher and
/// with each other, as time ratios with the MAC counts beside them.</summary>
static class DeploymentBench
{
    public static int Run(Func<string, string, string> option)
    {
        var teacherPath = option("--teacher", "models/fashion-scenes-teacher.ckpt");
        int repeats = int.Parse(option("--repeats", "7"), CultureInfo.InvariantCulture);
        int threads = int.Parse(option("--threads", "1"), CultureInfo.InvariantCulture);
        var student = option("--student", "vgg16-bn:w=1/24:skip-pools=4");
        // Structured pruning at each ratio: 0.3 is the demo's; 0.5 keeps channel counts that are multiples of 8 on this
        // teacher (16, 32, 64, 128 → 8, 16, 32, 64), which tests whether ORT's blocked convolutions lose speed on odd counts.
        var ratios = option("--ratios", "0.3,0.5").Split(',').Select(r => double.Parse(r, CultureInfo.InvariantCulture)).ToArray();
        int blocks = int.Parse(option("--blocks", "4"), CultureInfo.InvariantCulture);
        torch.set_num_threads(threads);
        var dir = Path.Combine(Path.GetTempPath(), "apc-bench-deploy-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        using var teacher = ModelCheckpoint.Load(teacherPath);
        var config = teacher.Info.ModelConfig;
        Console.WriteLine($"# apc bench deployment: {teacherPath} ({teacher.Model.Arch}, {config.InChannels}x{config.ImageSize}x{config.ImageSize}), " +
                          $"{threads} thread(s) for TorchSharp and ONNX Runtime, median of {repeats} (timed in turns), {Environment.ProcessorCount} cores");

        // The forms.
        torch.manual_seed(0);
        var kd = ModelFactory.Create(config with { Arch = ArchSpec.Parse(student) });
        kd.eval();
        var structured = ratios.Select(ratio =>
        {
            var groups = PruningDependencies.Groups(teacher.Model).ToDictionary(g => g.Conv, _ => ratio);
            var net = ChannelSurgery.Apply(teacher.Model, PruningPlan.FromRatios(teacher.Model, L1FilterCriterion.Instance, groups));
            net.eval();
            return (Ratio: ratio, Net: net);
        }).ToList();
        var quantized = ModelFactory.Create(config);
        using (no_grad()) foreach (var (key, value) in teacher.Model.state_dict()) quantized.state_dict()[key].copy_(value);
        quantized.eval();
        var extra = QuantizedModel.QuantizeWeights(quantized, 8);
        var activations = ActivationQuantization.Calibrate(quantized, 8);
        using (no_grad()) using (var calibration = LogitAgreement.RandomImages(config, 64, 1)) quantized.call(calibration).Dispose();
        activations.Freeze();
        foreach (var (k, v) in activations.ToTensors()) extra[k] = v;

        // Block-sparse: the teacher's weights masked to G permuted diagonal blocks, then the grouped form; and structured
        // pruning at the uniform ratio whose MACs come closest to it.
        var grouped = BlockSparse(teacher.Model, blocks);
        var (matchedRatio, matched) = StructuredAtMacs(teacher.Model, grouped.MultiplyAccumulates());

        var none = new Dictionary<string, Tensor>();
        var rows = new List<(string Name, ClassifierNet Net, IReadOnlyDictionary<string, Tensor> Extra)>
        {
            ("teacher fp32", teacher.Model, none), ($"kd student {student}", kd, none),
            ("int8 QDQ (teacher, w8 a8)", quantized, extra), ("int8's weights in fp32", quantized, none),
        };
        rows.AddRange(structured.Select(s => ($"structured (ratio {s.Ratio.ToString(CultureInfo.InvariantCulture)}, every conv; {s.Net.Arch})", s.Net, (IReadOnlyDictionary<string, Tensor>)none)));
        rows.Add(($"block-sparse ({blocks} blocks, every conv but the first; {grouped.Arch})", grouped, none));
        rows.Add(($"structured at the block-sparse MACs (ratio {matchedRatio.ToString("0.###", CultureInfo.InvariantCulture)}, every conv; {matched.Arch})", matched, none));
        // Runner indices (the TorchSharp teacher is runner 0, row i is runner i + 1).
        int teacherOrt = 1, blockSparse = rows.Count - 1, matchedStructured = rows.Count;
        var classifiers = new List<OnnxClassifier>();
        var sizes = new List<long>();
        foreach (var (name, net, ext) in rows)
        {
            var path = Path.Combine(dir, $"form{classifiers.Count}.onnx");
            var proto = OnnxExport.Build(net, ext, teacher.Info with { Arch = net.Arch.ToString() }, new string('0', 64), Path.GetFileName(teacherPath));
            File.WriteAllBytes(path, proto.ToByteArray());
            sizes.Add(new FileInfo(path).Length);
            var optimized = ext.Count > 0 ? Path.Combine(dir, "int8-optimized.onnx") : null;
            classifiers.Add(new OnnxClassifier(OnnxModelFile.Read(path), threads, optimized));
            if (optimized is not null)
                Console.WriteLine($"# int8 graph as ONNX Runtime runs it (ORT_ENABLE_ALL): " +
                                  OnnxInfo.Operators(Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized))));
        }
        // TorchSharp eager teacher is the first timed row.
        var torchTeacher = new TorchClassifier(teacher.Model);
        var runners = new List<(string Name, IImageClassifier Model)> { ("teacher fp32, TorchSharp eager", torchTeacher) };
        runners.AddRange(rows.Select((r, i) => (r.Name + ", ONNX Runtime", (IImageClassifier)classifiers[i])));
        var macs = new long[] { teacher.Model.MultiplyAccumulates() }.Concat(rows.Select(r => r.Net.MultiplyAccumulates())).ToArray();
        var files = new long[] { new FileInfo(teacherPath).Length }.Concat(sizes).ToArray();

        var perBatch = new Dictionary<int, double[]>();
        foreach (int batch in new[] { 1, 64 })
        {
            using var x = LogitAgreement.RandomImages(config, batch, 2);
            foreach (var (_, model) in runners) model.Logits(x).Dispose(); // warm-up
            var times = runners.Select(_ => new List<double>()).ToArray();
            for (int r = 0; r < repeats; r++)
                for (int i = 0; i < runners.Count; i++)
                {
                    var clock = Stopwatch.StartNew();
                    m(i).Logits(x).Dispose();
                    times[i].Add(clock.Elapsed.TotalSeconds);
                }
            perBatch[batch] = times.Select(t => t.Order().ElementAt(t.Count / 2)).ToArray();
            IImageClassifier m(int i) => runners[i].Model;
        }
        Console.WriteLine("| network, runtime | MACs/image | teacher MACs / MACs | file bytes | × teacher file | batch 1 ms | speed-up vs ORT teacher | batch 64 ms | speed-up vs ORT teacher |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int i = 0; i < runners.Count; i++)
        {
            double b1 = perBatch[1][i], b64 = perBatch[64][i];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {runners[i].Name} | {macs[i]:N0} | {(double)macs[1] / macs[i]:F2} | {files[i]:N0} | {(double)files[i] / files[1]:F2} | " +
                $"{1000 * b1:F2} | {perBatch[1][1] / b1:F2} | {1000 * b64:F1} | {perBatch[64][1] / b64:F2} |"));
        }
        int int8 = 3, int8Float = 4; // runner indices: TorchSharp teacher first, then the rows above in order
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# int8 vs the same weights in fp32 (ORT): batch 1 ×{perBatch[1][int8Float] / perBatch[1][int8]:F2}, batch 64 ×{perBatch[64][int8Float] / perBatch[64][int8]:F2}; " +
            $"int8 file {(double)files[int8] / files[int8Float]:P1} of the fp32 file"));
        Console.WriteLine();
        Console.WriteLine($"Block-sparse ({blocks} blocks) against the dense teacher and structured pruning at about its MACs, ONNX Runtime, same run " +
                          "(time ratios: their ms / block-sparse ms, so > 1 means block-sparse is faster):");
        Console.WriteLine("| block-sparse against | block-sparse MACs/image | their MACs/image | their MACs / block-sparse MACs | batch 1: time ratio | batch 64: time ratio |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var other in new[] { teacherOrt, matchedStructured })
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {runners[other].Name} | {macs[blockSparse]:N0} | {macs[other]:N0} | {(double)macs[other] / macs[blockSparse]:F2} | " +
                $"{perBatch[1][other] / perBatch[1][blockSparse]:F2} | {perBatch[64][other] / perBatch[64][blockSparse]:F2} |"));
        foreach (var c in classifiers) c.Dispose();
        kd.Dispose(); quantized.Dispose(); grouped.Dispose(); matched.Dispose();
        foreach (var s in structured) s.Net.Dispose();
        foreach (var t in extra.Values) t.Dispose();
        Directory.Delete(dir, recursive: true);
        return 0;
    }

    /// <summary>The grouped form of <paramref name="teacher"/> with <paramref name="blocks"/> blocks in every conv but the
    /// first (permutation seed 0): a copy masked to its permuted block diagonals, then surgered (as the block-sparse stage
    /// does after fine-tuning). Eval mode; the caller owns it.</summary>
    static ClassifierNet BlockSparse(ClassifierNet teacher, int blocks)
    {
        using var masked = ModelCopy.Clone(teacher);
        var options = new BlockSparseOptions(Blocks: blocks, Seed: 0);
        var spec = masked.Arch with { Blocks = options.LayerBlocks(masked), BlockSeed = options.Seed };
        var masks = BlockSurgery.Masks(masked, spec);
        Apc.Training.WeightMasks.Apply(masked, masks);
        foreach (var m in masks.Values) m.Dispose();
        var grouped = BlockSurgery.Apply(masked, spec);
        grouped.eval();
        return grouped;
    }

    /// <summary>Structured pruning of every conv at one uniform ratio (filter L1 norm), the ratio chosen by bisection so
    /// that the pruned network's MACs are as close as possible (in ratio) to <paramref name="targetMacs"/>. MACs fall
    /// with the ratio in integer channel steps, so the closest of the two ratios around the target is taken.</summary>
    static (double Ratio, ClassifierNet Net) StructuredAtMacs(ClassifierNet teacher, long targetMacs)
    {
        ClassifierNet Prune(double ratio)
        {
            var groups = PruningDependencies.Groups(teacher).ToDictionary(g => g.Conv, _ => ratio);
            var net = ChannelSurgery.Apply(teacher, PruningPlan.FromRatios(teacher, L1FilterCriterion.Instance, groups));
            net.eval();
            return net;
        }
        long MacsAt(double ratio) { using var net = Prune(ratio); return net.MultiplyAccumulates(); }
        double above = 0, below = 0.95; // MACs at `above` exceed the target, at `below` they do not (checked)
        if (MacsAt(above) <= targetMacs) return (above, Prune(above));
        if (MacsAt(below) > targetMacs) return (below, Prune(below));
        for (int i = 0; i < 20; i++)
        {
            double middle = (above + below) / 2;
            if (MacsAt(middle) > targetMacs) above = middle; else below = middle;
        }
        double Distance(double ratio) => Math.Abs(Math.Log((double)MacsAt(ratio) / targetMacs));
        double best = Distance(above) < Distance(below) ? above : below;
        return (best, Prune(best));
    }
}
