using System.ComponentModel;
using System.Globalization;
using Apc.Attribution;
using Apc.Cli.Settings;
using Apc.Cli.Terminal;
using Apc.Data;
using Apc.Evaluation;
using Apc.Training;
using Apc.Util;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

public sealed class EvaluateSettings : PerturbationSettings
{
    [CommandOption("--model <MODEL>", isRequired: true)]
    [Description("The model to evaluate: a checkpoint (.ckpt), or an ONNX export (.onnx) run in ONNX Runtime.")]
    public string Model { get; init; } = "";

    [CommandOption("--reference <MODEL>")]
    [Description("A reference model (usually the teacher): adds teacher–student consistency and its own localisation.")]
    public string? Reference { get; init; }

    [CommandOption("--reference-maps <DIR>")]
    [Description("With --reference: a folder of the reference's maps, shared by evaluations against the same reference. Maps found there (named by the reference's checksum, the method and its options, the image's pixels and the class) are read, the others computed and added. apc experiment uses OUT/reference-maps.")]
    public string? ReferenceMaps { get; init; }

    [CommandOption("--split <SPLIT>")]
    [Description("val or test (fashion-scenes); VOC always uses Segmentation/val, which has masks.")]
    [DefaultValue("val")]
    public string Split { get; init; } = "val";

    [CommandOption("--methods <LIST>")]
    [Description("Comma-separated attribution methods: gradcam, gradcam++, wcam, saliency, input-x-gradient, integrated-gradients, smoothgrad, lrp, excitation-backprop, contrastive-excitation-backprop, rap, and the perturbation methods occlusion, rise (the only ones that run on ONNX models). " +
                 "Default: " + DefaultMethods + " for a checkpoint; none (prediction metrics only) for an ONNX model.")]
    public string? Methods { get; init; }

    public const string DefaultMethods = "gradcam,lrp,excitation-backprop,rap";

    [CommandOption("--layer <NAME>")]
    [Description("Layer for Grad-CAM-type methods and Excitation Backprop's read-out (default: the ReLU after the last conv).")]
    public string? Layer { get; init; }

    [CommandOption("--tolerance <PX>")]
    [Description("Pointing-game tolerance in pixels (0 = exact, as the reference; Zhang et al. use 15).")]
    [DefaultValue(0.0)]
    public double Tolerance { get; init; }

    [CommandOption("--faithfulness")]
    [Description("Also compute deletion and insertion curves (slower).")]
    public bool Faithfulness { get; init; }

    [CommandOption("--force")]
    [Description("Replace an evaluation in --out that was made with other settings.")]
    public bool Force { get; init; }

    [CommandOption("--out <DIR>")]
    [Description("Output folder for evaluation.json and evaluation.md.")]
    [DefaultValue("runs/evaluation")]
    public string Out { get; init; } = "runs/evaluation";

    [CommandOption("--format <FORMAT>")]
    [Description(OutputFormats.Description + " The JSON is what OUT/evaluation.json holds.")]
    [DefaultValue("table")]
    public string Format { get; init; } = "table";

    public OutputFormat OutputFormat => OutputFormats.Parse(Format);
}

public sealed class EvaluateCommand : Command<EvaluateSettings>
{
    public override int Execute(CommandContext context, EvaluateSettings settings, CancellationToken cancellationToken)
    {
        var format = settings.OutputFormat;
        var console = ConsoleFor.Format(format);
        var methods = (settings.Methods ?? (Deployment.OnnxModelFile.IsOnnxPath(settings.Model) ? "" : EvaluateSettings.DefaultMethods))
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(MethodNames.Canonical).ToArray();
        if (methods.Length == 0 && settings.Methods is not null) throw new UsageException("--methods: give at least one attribution method.");
        var attribution = settings.AttributionOptions(settings.Layer);
        settings.RequireReadBy(methods);
        if (settings.ReferenceMaps is not null && settings.Reference is null)
            throw new UsageException("--reference-maps holds a reference's maps: give the reference with --reference.");
        // The maps folder is made (or found) and written to now, not at the first map after the work began.
        if (settings.ReferenceMaps is not null) AtomicFile.EnsureWritableFolder(settings.ReferenceMaps, "--reference-maps");
        // Validates names and options before any work.
        var created = methods.Select(m => AttributionMethods.Create(m, attribution)).ToList();
        EarlyChecks.LayerReadBy(settings.Layer, created);
        EarlyChecks.PerturbationOnlyOnOnnx(created, ("--model", settings.Model), ("--reference", settings.Reference));
        EarlyChecks.Tolerance(settings.Tolerance);
        AtomicFile.EnsureWritableFolder(settings.Out);
        using var model = ModelLoading.LoadClassifier(settings.Model, settings.Device, "--model", settings.Threads);
        using var reference = settings.Reference is null ? null : ModelLoading.LoadClassifier(settings.Reference, settings.Device, "--reference", settings.Threads);
        if (settings.Layer is not null) model.Checkpoint?.Model.ResolveLayer(settings.Layer);
        EarlyChecks.PerturbationFits(created, attribution, model.Info.ImageSize);
        TorchThreads.Apply(settings.Threads);
        var dataOptions = ModelLoading.ForModel(settings.ToDataOptions(), model.Info);
        var data = DatasetFactory.Open(dataOptions);
        var split = settings.Split.ToLowerInvariant() switch
        {
            "val" => data.Test is { HasMasks: true } && !data.Val.HasMasks ? data.Test : data.Val,
            "test" => data.Test ?? throw new UsageException($"--split test: data set '{settings.Dataset}' has no test split."),
            _ => throw new UsageException($"--split '{settings.Split}': expected val or test."),
        };
        var referenceMaps = settings.ReferenceMaps is null ? null : new ReferenceMapCache(settings.ReferenceMaps, RunFingerprints.Checkpoint(settings.Reference!));
        var options = new EvaluationOptions(methods, settings.BatchSize, settings.Tolerance, Faithfulness: settings.Faithfulness,
            Attribution: attribution, ReferenceMaps: referenceMaps);
        var fingerprint = RunFingerprints.Merge("evaluate", new System.Text.Json.Nodes.JsonObject
        {
            ["model"] = RunFingerprints.Checkpoint(settings.Model),
            ["reference"] = settings.Reference is null ? null : RunFingerprints.Checkpoint(settings.Reference),
            ["split"] = split.Name, ["methods"] = string.Join(",", methods), ["layer"] = settings.Layer,
            ["tolerance"] = settings.Tolerance, ["faithfulness"] = settings.Faithfulness,
        }, settings.Fingerprint(methods), RunFingerprints.EvaluatedData(dataOptions, data, split, settings.BatchSize, settings.Device));
        // The folder is checked now and claimed only once there is a result to write, so a failure or an interruption
        // before then (a model that does not fit the data, Ctrl-C) leaves the earlier evaluation and its fingerprint as they were.
        var reuse = settings.Force ? FolderReuse.Replace : FolderReuse.Recompute;
        string[] outputs = ["evaluation.json", PairsFile.FileName];
        RunFolder.Check(settings.Out, fingerprint, reuse, outputs);
        console.MarkupLine($"Evaluating [bold]{Markup.Escape(settings.Model)}[/] on {Markup.Escape(split.Name)} ({Plural.Of(split.Count, "image")}) with {(methods.Length == 0 ? "prediction metrics only" : string.Join(", ", methods))}.");
        EvaluationReport report = null!;
        console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("evaluate", maxValue: split.Count);
                report = Evaluator.Evaluate(model.Classifier, settings.Model, reference?.Classifier, settings.Reference, split, options,
                    (done, _) => task.Value = done);
            });
        // The earlier evaluation's index files go before the new fingerprint is recorded, so that an interruption below
        // leaves no evaluation.json beside a fingerprint that does not describe it.
        RunFolder.Check(settings.Out, fingerprint, reuse, outputs);
        foreach (var earlier in new[] { "evaluation.json", "evaluation.md" }) File.Delete(Path.Combine(settings.Out, earlier));
        RunFolder.Claim(settings.Out, fingerprint, reuse, outputs);
        // pairs.json first, so that evaluation.json never points at a file that is not there yet.
        AtomicFile.WriteAllText(Path.Combine(settings.Out, PairsFile.FileName), PairsFile.ToJson(report).ToJsonString() + "\n");
        var json = report.ToJson();
        json["pairs_file"] = PairsFile.FileName;
        json["provenance"] = Checkpoints.CheckpointInfo.MakeProvenance(Apc.Util.CommandLine.Format(context.Arguments.Prepend("apc")), settings.Seed, null);
        AtomicFile.WriteJson(Path.Combine(settings.Out, "evaluation.json"), json);
        var markdown = EvaluationTables.Markdown(report);
        AtomicFile.WriteAllText(Path.Combine(settings.Out, "evaluation.md"), markdown);
        if (format == OutputFormat.Json) ConsoleFor.WriteJson(json);
        else foreach (var table in EvaluationTables.Tables(report)) console.Write(table);
        if (report.SkippedClasses.Count > 0)
            console.MarkupLine($"[yellow]classes without positives in this split (skipped by mAP):[/] {Markup.Escape(string.Join(", ", report.SkippedClasses))}");
        if (referenceMaps is not null)
            console.MarkupLine($"reference maps: {referenceMaps.Hits} read, {referenceMaps.Misses} computed and added to {Markup.Escape(referenceMaps.Folder)}.");
        console.MarkupLine($"Wrote {Markup.Escape(Path.Combine(settings.Out, "evaluation.json"))} ({report.Seconds.ToString("F0", CultureInfo.InvariantCulture)} s).");
        return 0;
    }
}
