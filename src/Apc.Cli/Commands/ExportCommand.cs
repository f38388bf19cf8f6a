using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Deployment;
using Apc.Models;
using Apc.Util;
using Google.Protobuf;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

public sealed class ExportSettings : Settings.CommonSettings
{
    [CommandOption("--model <CKPT>", isRequired: true)]
    [Description("The checkpoint to export (any kind: teacher, kd, structured, unstructured, block-sparse, unify, quantize, kernel-quantize, pipeline).")]
    public string Model { get; init; } = "";

    [CommandOption("--out <FILE>", isRequired: true)]
    [Description("The ONNX file to write (.onnx); written atomically.")]
    public string Out { get; init; } = "";

    [CommandOption("--force")]
    [Description("Replace an existing --out file.")]
    public bool Force { get; init; }

    [CommandOption("--check-images <N>")]
    [Description("Seeded random images on which ONNX Runtime's logits are compared with the checkpoint's after writing.")]
    [DefaultValue(16)]
    public int CheckImages { get; init; } = 16;

    [CommandOption("--time")]
    [Description("Also time the exported model in ONNX Runtime: median latency at batch 1 and batch 64 (seeded random images, 2 warm-up and 5 timed runs each).")]
    public bool Time { get; init; }

    [CommandOption("--summary <FILE>")]
    [Description("Write what was checked as JSON: file sizes, precision, ONNX Runtime vs checkpoint agreement and, with --time, the latencies (written atomically).")]
    public string? Summary { get; init; }
}

/// <summary>apc export: checkpoint → ONNX (see <see cref="OnnxExport"/>), then read back, run in ONNX Runtime and
/// compared with the checkpoint's own forward pass.</summary>
public sealed class ExportCommand : Command<ExportSettings>
{
    public override int Execute(CommandContext context, ExportSettings settings, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(settings.Model)) throw new UsageException("--model CKPT is required.");
        if (string.IsNullOrWhiteSpace(settings.Out)) throw new UsageException("--out FILE is required.");
        if (!OnnxModelFile.IsOnnxPath(settings.Out)) throw new UsageException($"--out '{settings.Out}': the file name must end in .onnx (apc recognises ONNX models by it).");
        if (settings.CheckImages < 1) throw new UsageException($"--check-images must be at least 1 (got {settings.CheckImages}).");
        if (Directory.Exists(settings.Out)) throw new ApcException($"--out '{settings.Out}' is a folder; give a file name ending in .onnx.");
        if (File.Exists(settings.Out) && !settings.Force) throw new ApcException($"--out '{settings.Out}' exists; pass --force to replace it.");
        TorchThreads.Apply(settings.Threads);
        if (OnnxModelFile.IsOnnxPath(settings.Model))
            throw new ApcException($"--model '{settings.Model}' is already an ONNX model; export reads the checkpoint (.ckpt) it was made from.");
        using var checkpoint = ModelLoading.Load(settings.Model, "cpu", "--model");
        var proto = OnnxExport.Build(checkpoint, FileChecksum.Sha256(settings.Model));
        AtomicFile.WriteAllBytes(settings.Out, proto.ToByteArray());

        var file = OnnxModelFile.Read(settings.Out);
        using var onnx = new OnnxClassifier(file, settings.Threads);
        using var images = LogitAgreement.RandomImages(file.Info.ModelConfig, settings.CheckImages, seed: 0);
        var agreement = LogitAgreement.Of(onnx, new TorchClassifier(checkpoint.Model), images);
        var latency = settings.Time ? LatencyBatches.Select(b => (Batch: b, Ms: ClassifierLatency.MedianMs(onnx, b))).ToList() : null;
        if (settings.Summary is { } summary)
            AtomicFile.WriteJson(summary, Summary(settings, checkpoint, file, agreement, latency));

        var table = new Table().HideHeaders().AddColumns("", "");
        void Row(string k, string v) => table.AddRow(Markup.Escape(k), Markup.Escape(v));
        Row("file", settings.Out); // a row, not the title, which would wrap in the middle of a long path
        Row("source", $"{settings.Model} ({checkpoint.Info.Kind}, {checkpoint.Model.Arch})");
        Row("precision", file.Properties[OnnxMetadata.Precision]);
        Row("file size", $"{file.SizeBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes (checkpoint {new FileInfo(settings.Model).Length.ToString("N0", CultureInfo.InvariantCulture)})");
        Row("operators", OnnxInfo.Operators(file.Model));
        Row("ONNX Runtime vs checkpoint", string.Create(CultureInfo.InvariantCulture,
            $"max |Δlogit| {agreement.MaxAbsDifference:G3} ({agreement.Relative:G3} of max |logit|), labels agree on {agreement.LabelAgreement:P1} of {Plural.Of(agreement.Pairs, "pair")} ({Plural.Of(settings.CheckImages, "random image")})"));
        foreach (var (batch, ms) in latency ?? [])
            Row($"ONNX Runtime latency, batch {batch}", string.Create(CultureInfo.InvariantCulture, $"{ms:F2} ms (median of {ClassifierLatency.DefaultRepeats})"));
        AnsiConsole.Write(table);
        return 0;
    }

    /// <summary>Batch sizes --time measures (one image, as on a device; a batch, as in bulk scoring).</summary>
    public static readonly int[] LatencyBatches = [1, 64];

    static JsonObject Summary(ExportSettings settings, ModelCheckpoint checkpoint, OnnxModelFile file, LogitAgreement agreement,
        IReadOnlyList<(int Batch, double Ms)>? latency)
    {
        var summary = new JsonObject
        {
            ["model"] = Path.GetFullPath(settings.Out),
            ["source"] = Path.GetFullPath(settings.Model),
            ["source_kind"] = checkpoint.Info.Kind.ToString(),
            ["arch"] = checkpoint.Model.Arch.ToString(),
            ["precision"] = file.Properties[OnnxMetadata.Precision],
            ["size_bytes"] = file.SizeBytes,
            ["checkpoint_bytes"] = new FileInfo(settings.Model).Length,
            ["agreement"] = new JsonObject
            {
                ["images"] = settings.CheckImages, ["seed"] = 0, ["pairs"] = agreement.Pairs,
                ["max_abs_logit_difference"] = agreement.MaxAbsDifference, ["relative"] = agreement.Relative,
                ["label_agreement"] = agreement.LabelAgreement,
            },
        };
        if (latency is not null)
        {
            var ms = new JsonObject();
            foreach (var (batch, value) in latency) ms[$"batch_{batch}"] = value;
            ms["warmup"] = ClassifierLatency.DefaultWarmup;
            ms["repeats"] = ClassifierLatency.DefaultRepeats;
            ms["threads"] = settings.Threads;
            summary["latency_ms"] = ms;
        }
        return summary;
    }
}
