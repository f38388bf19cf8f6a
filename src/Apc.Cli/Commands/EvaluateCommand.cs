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

public sealed class EvaluateSettings : DataSettings
{
    [CommandOption("--model <CKPT>")]
    [Description("The checkpoint to evaluate.")]
    public string Model { get; init; } = "";

    [CommandOption("--reference <CKPT>")]
    [Description("A reference model (usually the teacher): adds teacher–student consistency and its own localisation.")]
    public string? Reference { get; init; }

    [CommandOption("--split <SPLIT>")]
    [Description("val or test (fashion-scenes); VOC always uses Segmentation/val, which has masks.")]
    [DefaultValue("val")]
    public string Split { get; init; } = "val";

    [CommandOption("--methods <LIST>")]
    [Description("Comma-separated attribution methods: gradcam, gradcam++, wcam, saliency, input-x-gradient, integrated-gradients, smoothgrad, lrp, excitation-backprop, contrastive-excitation-backprop, rap.")]
    [DefaultValue("gradcam,lrp,excitation-backprop,rap")]
    public string Methods { get; init; } = "gradcam,lrp,excitation-backprop,rap";

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
}

public sealed class EvaluateCommand : Command<EvaluateSettings>
{
    public override int Execute(CommandContext context, EvaluateSettings settings, CancellationToken cancellationToken)
    {
        var methods = settings.Methods.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (methods.Length == 0) throw new UsageException("--methods: give at least one attribution method.");
        foreach (var m in methods) AttributionMethods.Create(m); // validates names before any work
        AtomicFile.EnsureWritableFolder(settings.Out);
        using var model = ModelLoading.Load(settings.Model, settings.Device, "--model");
        using var reference = settings.Reference is null ? null : ModelLoading.Load(settings.Reference, settings.Device, "--reference");
        if (settings.Layer is not null) model.Model.ResolveLayer(settings.Layer);
        if (settings.Threads > 0) TorchSharp.torch.set_num_threads(settings.Threads);
        var dataOptions = ModelLoading.ForModel(settings.ToDataOptions(), model);
        var data = DatasetFactory.Open(dataOptions);
        var split = settings.Split.ToLowerInvariant() switch
        {
            "val" => data.Test is { HasMasks: true } && !data.Val.HasMasks ? data.Test : data.Val,
            "test" => data.Test ?? throw new UsageException($"--split test: data set '{settings.Dataset}' has no test split."),
            _ => throw new UsageException($"--split '{settings.Split}': expected val or test."),
        };
        var options = new EvaluationOptions(methods, settings.BatchSize, settings.Tolerance, Faithfulness: settings.Faithfulness,
            Attribution: new AttributionOptions { Layer = settings.Layer });
        var fingerprint = RunFingerprints.Merge("evaluate", new System.Text.Json.Nodes.JsonObject
        {
            ["model"] = RunFingerprints.Checkpoint(settings.Model),
            ["reference"] = settings.Reference is null ? null : RunFingerprints.Checkpoint(settings.Reference),
            ["split"] = split.Name, ["methods"] = string.Join(",", methods), ["layer"] = settings.Layer,
            ["tolerance"] = settings.Tolerance, ["faithfulness"] = settings.Faithfulness,
        }, RunFingerprints.Data(dataOptions, data, settings.BatchSize, settings.Device));
        RunFolder.Claim(settings.Out, fingerprint, settings.Force ? FolderReuse.Replace : FolderReuse.Recompute, new[] { "evaluation.json", PairsFile.FileName });
        AnsiConsole.MarkupLine($"Evaluating [bold]{Markup.Escape(settings.Model)}[/] on {Markup.Escape(split.Name)} ({split.Count} images) with {string.Join(", ", methods)}.");
        EvaluationReport report = null!;
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("evaluate", maxValue: split.Count);
                report = Evaluator.Evaluate(model.Model, settings.Model, reference?.Model, settings.Reference, split, options,
                    DeviceParser.Parse(settings.Device), (done, _) => task.Value = done);
            });
        // pairs.json first, so that evaluation.json never points at a file that is not there yet.
        AtomicFile.WriteAllText(Path.Combine(settings.Out, PairsFile.FileName), PairsFile.ToJson(report).ToJsonString() + "\n");
        var json = report.ToJson();
        json["pairs_file"] = PairsFile.FileName;
        json["provenance"] = Checkpoints.CheckpointInfo.MakeProvenance(Apc.Util.CommandLine.Format(context.Arguments.Prepend("apc")), settings.Seed, null);
        AtomicFile.WriteJson(Path.Combine(settings.Out, "evaluation.json"), json);
        var markdown = EvaluationTables.Markdown(report);
        AtomicFile.WriteAllText(Path.Combine(settings.Out, "evaluation.md"), markdown);
        foreach (var table in EvaluationTables.Tables(report)) AnsiConsole.Write(table);
        if (report.SkippedClasses.Count > 0)
            AnsiConsole.MarkupLine($"[yellow]classes without positives in this split (skipped by mAP):[/] {Markup.Escape(string.Join(", ", report.SkippedClasses))}");
        AnsiConsole.MarkupLine($"Wrote {Markup.Escape(Path.Combine(settings.Out, "evaluation.json"))} ({report.Seconds.ToString("F0", CultureInfo.InvariantCulture)} s).");
        return 0;
    }
}
