using Apc.Attribution;
using Apc.Data;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Reporting;

/// <summary>Heatmap pictures of several models on the same images (the reference's figure): one row per
/// (image, method), columns = the image with its mask outline, then each model's map overlaid, the map's
/// maximum marked.</summary>
public static class AttributionGallery
{
    public sealed record Cell(string Row, string Column, byte[] Png);

    /// <summary>Class shown for an image: <paramref name="className"/> when given (must be a class of the data
    /// set), otherwise the present class the first model scores highest.</summary>
    public static (byte[] Grid, IReadOnlyList<Cell> Cells) Build(
        IReadOnlyList<(string Label, ClassifierNet Model)> models, IDataset data, IReadOnlyList<int> indices,
        IReadOnlyList<string> methods, string? className = null, AttributionOptions? options = null, Device? device = null)
    {
        if (models.Count == 0) throw new ArgumentException("at least one model is needed", nameof(models));
        int? fixedClass = null;
        if (className is not null)
        {
            int k = data.ClassNames.ToList().FindIndex(c => string.Equals(c, className, StringComparison.OrdinalIgnoreCase));
            if (k < 0) throw new UsageException($"--class '{className}' is not a class of {data.Name}; valid: {string.Join(", ", data.ClassNames)}.");
            fixedClass = k;
        }
        foreach (var index in indices)
            if (index < 0 || index >= data.Count) throw new UsageException($"--index {index} is outside {data.Name} (0..{data.Count - 1}).");
        device ??= CPU;
        var attributors = methods.Select(m => AttributionMethods.Create(m, (options ?? new AttributionOptions()) with { Normalization = data.Normalization })).ToList();
        foreach (var (_, model) in models) model.eval();
        var shape = data.Shape;
        var rows = new List<IReadOnlyList<byte[]?>>();
        var rowLabels = new List<string>();
        var cells = new List<Cell>();
        foreach (var index in indices)
        {
            using var scope = NewDisposeScope();
            using var batch = data.GetBatch(new[] { index }, augment: false, rng: null, withMasks: true);
            var image = batch.Images.to(device);
            int target;
            if (fixedClass is { } f) target = f;
            else
            {
                using var _ = no_grad();
                var logits = models[0].Model.call(image).cpu()[0];
                var present = batch.Labels[0].gt(0.5f);
                var scores = logits.masked_fill(present.logical_not(), float.NegativeInfinity);
                target = present.any().item<bool>() ? (int)scores.argmax().item<long>() : (int)logits.argmax().item<long>();
            }
            var mask = batch.Masks is null ? null : batch.Masks[0, target].contiguous().data<float>().ToArray();
            var display = data.GetDisplayImage(index);
            var targets = tensor(new long[] { target }, device: device);
            foreach (var method in attributors)
            {
                var row = new List<byte[]?>
                {
                    ImageRender.RenderPng(display, shape.Channels, shape.Height, shape.Width, mask: mask, caption: data.ClassNames[target]),
                };
                var rowLabel = $"#{index} {data.ClassNames[target]} · {method.Name}";
                foreach (var (label, model) in models)
                {
                    // Signed maps (LRP, RAP, input×gradient) are shown by their positive evidence, as is usual for heatmaps.
                    var map = method.Attribute(model, image, targets).cpu()[0].clamp_min(0).contiguous().data<float>().ToArray();
                    var png = HeatmapOverlay.RenderPng(display, shape.Channels, shape.Height, shape.Width, map, mask: mask, caption: label);
                    row.Add(png);
                    cells.Add(new Cell(rowLabel, label, png));
                }
                rows.Add(row);
                rowLabels.Add(rowLabel);
            }
        }
        var columns = new[] { "image" }.Concat(models.Select(m => m.Label)).ToList();
        return (ImageGrid.Compose(rows, rowLabels, columns), cells);
    }
}
