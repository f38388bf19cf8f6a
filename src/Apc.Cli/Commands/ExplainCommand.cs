using System.ComponentModel;
using System.Globalization;
using Apc.Attribution;
using Apc.Cli.Settings;
using Apc.Data;
using Apc.Models;
using Apc.Reporting;
using Apc.Training;
using Apc.Util;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

public sealed class ExplainSettings : DataSettings
{
    [CommandOption("--model <CKPT>")]
    public string Model { get; init; } = "";

    [CommandOption("--reference <CKPT>")]
    [Description("A reference model (the teacher): the picture shows image | reference | model for every method.")]
    public string? Reference { get; init; }

    [CommandOption("--image <FILE>")]
    [Description("A JPEG or PNG to explain (instead of --index).")]
    public string? Image { get; init; }

    [CommandOption("--index <LIST>")]
    [Description("Comma-separated indices of validation images of --dataset.")]
    [DefaultValue("0")]
    public string Index { get; init; } = "0";

    [CommandOption("--class <NAME>")]
    [Description("Class to explain (default: the present class the model scores highest; for --image, the top-1 class).")]
    public string? Class { get; init; }

    [CommandOption("--methods <LIST>")]
    [DefaultValue("gradcam,lrp,excitation-backprop,rap")]
    public string Methods { get; init; } = "gradcam,lrp,excitation-backprop,rap";

    [CommandOption("--layer <NAME>")]
    [Description("Layer for Grad-CAM-type methods and Excitation Backprop's read-out.")]
    public string? Layer { get; init; }

    [CommandOption("--out <DIR>")]
    [DefaultValue("runs/explain")]
    public string Out { get; init; } = "runs/explain";
}

public sealed class ExplainCommand : Command<ExplainSettings>
{
    public override int Execute(CommandContext context, ExplainSettings settings, CancellationToken cancellationToken)
    {
        var methods = EarlyChecks.Methods(settings.Methods);
        var requested = ParseIndices(context, settings);
        AtomicFile.EnsureWritableFolder(settings.Out);
        using var model = ModelLoading.Load(settings.Model, settings.Device, "--model");
        using var reference = settings.Reference is null ? null : ModelLoading.Load(settings.Reference, settings.Device, "--reference");
        if (settings.Layer is not null) model.Model.ResolveLayer(settings.Layer);
        IDataset data;
        int[] indices;
        if (settings.Image is not null)
        {
            var info = model.Info;
            data = new ImageFileDataset(settings.Image, info.InChannels, info.ImageSize, info.Normalization, info.ClassNames);
            indices = new[] { 0 };
        }
        else
        {
            var splits = DatasetFactory.Open(ModelLoading.ForModel(settings.ToDataOptions(), model));
            data = splits.Val.HasMasks || splits.Test is null ? splits.Val : splits.Test;
            indices = requested!;
            var outside = indices.Where(i => i >= data.Count).ToList();
            if (outside.Count > 0 && outside[0] is var past)
                throw new UsageException($"--index {past}: {data.Name} has {data.Count} images (indices 0 to {data.Count - 1}).");
            Evaluation.Evaluator.CheckCompatible(model.Model, data, "--model");
        }
        var models = new List<(string, ClassifierNet?)>();
        if (reference is not null) models.Add(("reference", reference.Model));
        models.Add(("model", model.Model));
        var (grid, cells) = AttributionGallery.Build(models, data, indices, methods, settings.Class,
            new AttributionOptions { Layer = settings.Layer }, DeviceParser.Parse(settings.Device));
        var gridPath = Path.Combine(settings.Out, "explain.png");
        AtomicFile.WriteAllBytes(gridPath, grid);
        foreach (var cell in cells)
        {
            var name = string.Concat($"{cell.Row}-{cell.Column}".Select(c => char.IsLetterOrDigit(c) || c is '-' or '+' ? c : '_'));
            AtomicFile.WriteAllBytes(Path.Combine(settings.Out, name + ".png"), cell.Png);
        }
        AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(gridPath)}[/] and {cells.Count} single heatmaps in {Markup.Escape(settings.Out)}.");
        return 0;
    }

    /// <summary>The --index list; null with --image (which excludes --index).</summary>
    public static int[]? ParseIndices(CommandContext context, ExplainSettings settings)
    {
        bool indexGiven = context.Arguments.Any(a => a == "--index" || a.StartsWith("--index=", StringComparison.Ordinal));
        if (settings.Image is not null)
        {
            if (indexGiven) throw new UsageException("--image and --index exclude each other: explain an image file or images of --dataset, not both.");
            return null;
        }
        var indices = settings.Index.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s =>
            int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i >= 0 ? i
                : throw new UsageException($"--index: '{s}' is not a non-negative integer.")).ToArray();
        if (indices.Length == 0) throw new UsageException("--index: give at least one image index (e.g. --index 0,1).");
        return indices;
    }
}
