using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Cli;
using Apc.Cli.Experiments;
using Apc.Data;
using Apc.Models;
using Apc.Tests.Data;
using SkiaSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Fuzz;

/// <summary>The fuzz targets, one per parser of user input (issue 8 §7), with the files they need (a small VOC
/// folder, a small checkpoint). Inputs are either accepted or refused with an <see cref="ApcException"/> of one line
/// (<see cref="FuzzProperty"/>).</summary>
public sealed class FuzzWorld : IDisposable
{
    readonly VocFixture voc = VocFixture.Create();
    readonly TempFolder scratch = new();

    public FuzzWorld()
    {
        Targets = new[] { Checkpoint(), Idx(), ArchSpecText(), ExperimentPlan(), VocXml(), VocList(), Image(), VocMask(), Options() }
            .ToDictionary(t => t.Name);
    }

    internal IReadOnlyDictionary<string, FuzzTarget> Targets { get; }

    public static IEnumerable<object[]> TargetNames =>
        new[] { "checkpoint", "idx", "arch-spec", "experiment-plan", "voc-xml", "voc-list", "image", "voc-mask", "options" }.Select(n => new object[] { n });

    string Scratch(string name) => scratch.File(name);

    /// <summary>ModelCheckpoint.Load: the header JSON and tensor table mutated, the SHA-256 made valid again, so that
    /// the input passes the checksum and reaches the header and table checks (the crafted-checkpoint kind).</summary>
    FuzzTarget Checkpoint()
    {
        var info = new CheckpointInfo("teacher", "vgg11-bn:w=1/16", 1, 3, 32, ["a", "b", "c"],
            new Normalization([0.5f], [0.25f]), "fashion-scenes", CheckpointInfo.MakeProvenance("apc train", 0, null), new JsonObject());
        using var model = ModelFactory.Create(new ModelConfig(ArchSpec.Parse(info.Arch), 1, 3, 32));
        var path = Scratch("seed.ckpt");
        ModelCheckpoint.Save(path, info, model);
        var seed = File.ReadAllBytes(path);
        return new FuzzTarget("checkpoint", [seed], (input, rng) =>
        {
            var body = input.AsSpan(0, Math.Max(0, input.Length - 32)).ToArray();
            body = rng.Next(2) == 0 ? MutateHeader(body, rng) : Mutations.Bytes(body, rng, hotBytes: 4096);
            return body.Concat(System.Security.Cryptography.SHA256.HashData(body)).ToArray();
        }, (input, dir) =>
        {
            var file = Path.Combine(dir, "input.ckpt");
            File.WriteAllBytes(file, input);
            using var loaded = ModelCheckpoint.Load(file);
        });
    }

    /// <summary>Replaces the header JSON (after magic and version) with a text mutation of it, length prefix fixed.</summary>
    static byte[] MutateHeader(byte[] body, Random rng)
    {
        const int start = 8 + 4;
        if (body.Length < start + 4) return Mutations.Bytes(body, rng);
        int length = BitConverter.ToInt32(body, start);
        if (length < 0 || start + 4 + length > body.Length) return Mutations.Bytes(body, rng);
        var json = Encoding.UTF8.GetString(body, start + 4, length);
        var mutated = Encoding.UTF8.GetBytes(Mutations.Text(json, rng));
        return body[..start].Concat(BitConverter.GetBytes(mutated.Length)).Concat(mutated).Concat(body[(start + 4 + length)..]).ToArray();
    }

    FuzzTarget Idx()
    {
        var raw = new byte[] { 0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2 }.Concat(Enumerable.Range(0, 12).Select(i => (byte)(i * 20))).ToArray();
        var gz = new MemoryStream();
        using (var z = new System.IO.Compression.GZipStream(gz, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true)) z.Write(raw);
        return new FuzzTarget("idx", [raw, gz.ToArray()], (input, rng) => Mutations.Bytes(input, rng), (input, dir) =>
        {
            var file = Path.Combine(dir, "input.idx");
            File.WriteAllBytes(file, input);
            IdxReader.Read(file, expectedDimensions: input.Length % 2 == 0 ? 3 : null);
        });
    }

    static FuzzTarget TextTarget(string name, IEnumerable<string> seeds, Action<string, string> run) =>
        new(name, seeds.Select(Encoding.UTF8.GetBytes).ToList(),
            (input, rng) => Encoding.UTF8.GetBytes(Mutations.Text(Encoding.UTF8.GetString(input), rng)),
            (input, dir) => run(Encoding.UTF8.GetString(input), dir));

    FuzzTarget ArchSpecText() => TextTarget("arch-spec", ArchSpec.Examples.Append("vgg16-bn:w=1/4:skip-pools=4").Append("resnet18:w=1/8"), (text, _) =>
    {
        var spec = ArchSpec.Parse(text);
        // A parsed spec must also build (at the smallest size it allows) or be refused with one line.
        using var model = ModelFactory.Create(new ModelConfig(spec, 1, 2, 32));
    });

    FuzzTarget ExperimentPlan()
    {
        var example = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "experiment-example.json"));
        return TextTarget("experiment-plan", [example, "{}", "{\"seeds\": [0, 1], \"matchers\": [\"none\", \"wcam:weight=10\"]}"], (text, dir) =>
        {
            var file = Path.Combine(dir, "plan.json");
            File.WriteAllText(file, text);
            ExperimentConfig.Load(file);
        });
    }

    FuzzTarget VocXml() => TextTarget("voc-xml", VocFixture.ValImages.Select(VocFixture.AnnotationXml), (text, dir) =>
    {
        var file = Path.Combine(dir, "annotation.xml");
        File.WriteAllText(file, text);
        VocAnnotation.ReadLabelBits(file);
    });

    FuzzTarget VocList() => TextTarget("voc-list", ["2008_000001\n2008_000004\n", "2008_000001  1\n2008_000004 -1\n"], (text, dir) =>
    {
        var file = Path.Combine(dir, "list.txt");
        File.WriteAllText(file, text);
        VocImageList.Read(file, Path.Combine(voc.Root, "Annotations"));
    });

    /// <summary>ImageFileDataset (what explain --image reads) on mutated PNGs (CRCs fixed) and JPEGs.</summary>
    FuzzTarget Image()
    {
        var png = File.ReadAllBytes(voc.MaskPath(VocFixture.DogAndPerson.Id));
        var jpeg = File.ReadAllBytes(voc.ImagePath(VocFixture.DogAndPerson.Id));
        var grey = Scratch("grey.png");
        VocFixture.WriteGreyPng(grey, 6, 5, Enumerable.Range(0, 30).Select(i => (byte)(i * 8)).ToArray());
        return new FuzzTarget("image", [png, jpeg, File.ReadAllBytes(grey)], (input, rng) =>
        {
            var mutated = Mutations.Bytes(input, rng, hotBytes: 64);
            return mutated.Length > 8 && mutated[0] == 0x89 && mutated[1] == (byte)'P' ? Mutations.FixPngCrcs(mutated) : mutated;
        }, (input, dir) =>
        {
            var file = Path.Combine(dir, "input.png");
            File.WriteAllBytes(file, input);
            foreach (var channels in new[] { 1, 3 })
            {
                var data = new ImageFileDataset(file, channels, 32, Normalization.Identity(channels), ["a"]);
                using var batch = data.GetBatch([0], augment: false);
            }
        });
    }

    /// <summary>VOC segmentation masks: a mutated palette PNG in the mask's place, read by a batch with masks.</summary>
    FuzzTarget VocMask()
    {
        var id = VocFixture.DogAndPerson.Id;
        var maskPath = voc.MaskPath(id);
        var seed = File.ReadAllBytes(maskPath);
        var grey = Scratch("grey-mask.png");
        VocFixture.WriteGreyPng(grey, VocFixture.DogAndPerson.Width, VocFixture.DogAndPerson.Height, VocFixture.DogAndPerson.MaskIndices());
        return new FuzzTarget("voc-mask", [seed, File.ReadAllBytes(grey)], (input, rng) => Mutations.FixPngCrcs(Mutations.Bytes(input, rng, hotBytes: 64)), (input, _) =>
        {
            File.WriteAllBytes(maskPath, input);
            var data = new VocDataset(voc.Root, VocSplit.SegVal, imageSize: 16);
            using var batch = data.GetBatch([0], augment: false);
        });
    }

    static readonly string[] OptionNames =
    [
        "--epochs", "--lr", "--lr-steps", "--batch-size", "--threads", "--seed", "--train-size", "--val-size", "--image-size", "--arch",
        "--match", "--match-weight", "--match-layers", "--ratio", "--bits", "--activation-bits", "--stages", "--methods", "--index", "--class",
        "--layer", "--seeds", "--device", "--dataset", "--data-root", "--out", "--model", "--teacher", "--student", "--mean", "--std",
    ];

    /// <summary>Command lines: a valid one with an argument mutated, an option added with a hostile value, or one dropped,
    /// checked as <c>apc</c> would parse and pre-check them (<see cref="ApcApp.Check"/>; nothing runs).</summary>
    FuzzTarget Options()
    {
        string[][] seeds =
        [
            ["train", "--arch", "vgg16-bn:w=1/4", "--epochs", "12", "--lr-steps", "8,11"],
            ["compress", "kd", "--teacher", "t.ckpt", "--student", "vgg11-bn:w=1/8", "--match", "wcam", "--match-weight", "10"],
            ["compress", "structured", "--teacher", "t.ckpt", "--ratio", "0.5", "--epochs", "2"],
            ["compress", "quantize", "--teacher", "t.ckpt", "--bits", "8"],
            ["compress", "pipeline", "--teacher", "t.ckpt", "--stages", "unstructured,quantize"],
            ["evaluate", "--model", "m.ckpt", "--methods", "gradcam,lrp", "--val-size", "100"],
            ["explain", "--model", "m.ckpt", "--index", "0,1", "--methods", "gradcam"],
            ["demo", "--quick", "--seeds", "0,1"],
            ["import", "--pytorch", "t.pt", "--arch", "vgg16-bn", "--image-size", "227"],
        ];
        static byte[] Join(string[] args) => Encoding.UTF8.GetBytes(string.Join('\0', args));
        return new FuzzTarget("options", seeds.Select(Join).ToList(), (input, rng) =>
        {
            var args = Encoding.UTF8.GetString(input).Split('\0').ToList();
            switch (rng.Next(3))
            {
                case 0 when args.Count > 1:
                    int at = 1 + rng.Next(args.Count - 1);
                    args[at] = Mutations.Text(args[at], rng); break;
                case 1:
                    int where = 1 + rng.Next(args.Count);
                    args.InsertRange(Math.Min(where, args.Count), [OptionNames[rng.Next(OptionNames.Length)], Mutations.Text(rng.Next(2) == 0 ? "" : "1", rng)]); break;
                default:
                    if (args.Count > 2) args.RemoveAt(1 + rng.Next(args.Count - 1)); break;
            }
            return Join(args.ToArray());
        }, (input, dir) =>
        {
            var args = Encoding.UTF8.GetString(input).Split('\0').Select(a => a.Replace("t.ckpt", Path.Combine(dir, "t.ckpt"))).ToArray();
            ApcApp.Check(args);
        });
    }

    internal static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    public void Dispose() { voc.Dispose(); scratch.Dispose(); }
}
