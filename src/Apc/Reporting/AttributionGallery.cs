using System.Globalization;
using Apc.Attribution;
using Apc.Data;
using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Reporting;

/// <summary>Heatmap pictures of several models on the same images (the reference's figure): one row per
/// (image, method), columns = the image with its mask outline, then each model's map overlaid with the map's
/// maximum marked, then a colour bar. Each method is drawn the way its kind of map needs
/// (<see cref="HeatmapStyle.For(MapKind)"/>: signed maps symmetric on blue–white–red, non-negative maps
/// sequential, both clipped at a high percentile). Every panel either shows its map, with the clipping value c
/// and the model's logit for the class in its caption, or says why there is none: "all zero", "class not
/// predicted: logit −1.2", "no map" (no model for that column); see <see cref="PanelText"/>.</summary>
public static class AttributionGallery
{
    /// <summary>One model's panel: <paramref name="Text"/> is what it says in words (its caption, and the notice
    /// written across an empty map). <paramref name="Index"/> is the image's index in the data set,
    /// <paramref name="Method"/> the attribution method, <paramref name="Class"/> the class explained and
    /// <paramref name="Logits"/> the model's logits for the image (every class; null for a missing model).</summary>
    public sealed record Cell(string Row, string Column, byte[] Png, string Text,
        int Index = 0, string Method = "", string Class = "", IReadOnlyList<float>? Logits = null);

    /// <summary>Caption lines of every panel, so that pictures line up across a row.</summary>
    private const int CaptionLines = 3;

    /// <summary>Class shown for an image: <paramref name="className"/> when given (must be a class of the data
    /// set), otherwise the present class the first model scores highest. A null model gives "no map" panels
    /// (a column whose run is missing).</summary>
    public static (byte[] Grid, IReadOnlyList<Cell> Cells) Build(
        IReadOnlyList<(string Label, ClassifierNet? Model)> models, IDataset data, IReadOnlyList<int> indices,
        IReadOnlyList<string> methods, string? className = null, AttributionOptions? options = null, Device? device = null,
        string? title = null) =>
        Build(models.Select(m => (m.Label, m.Model is null ? null : (IImageClassifier)new TorchClassifier(m.Model))).ToList(),
            data, indices, methods, className, options, device, title);

    /// <summary>The same pictures for models given as functions from images to logits
    /// (<see cref="IImageClassifier"/>): a TorchSharp network (<see cref="TorchClassifier"/>) runs every method; any
    /// other classifier, e.g. an ONNX export in ONNX Runtime, runs the perturbation methods
    /// (<see cref="IPerturbationMethod"/>) and its panels for gradient methods say "needs gradients".</summary>
    public static (byte[] Grid, IReadOnlyList<Cell> Cells) Build(
        IReadOnlyList<(string Label, IImageClassifier? Model)> models, IDataset data, IReadOnlyList<int> indices,
        IReadOnlyList<string> methods, string? className = null, AttributionOptions? options = null, Device? device = null,
        string? title = null)
    {
        if (models.Count == 0) throw new ArgumentException("at least one model is needed", nameof(models));
        var first = models.Select(m => m.Model).FirstOrDefault(m => m is not null)
            ?? throw new ArgumentException("at least one model must be present", nameof(models));
        int? fixedClass = null;
        if (className is not null)
        {
            int k = data.ClassNames.ToList().FindIndex(c => string.Equals(c, className, StringComparison.OrdinalIgnoreCase));
            // A single image file has no classes of its own: they are the model's.
            var owner = data is ImageFileDataset ? "the model" : data.Name;
            if (k < 0) throw new UsageException($"--class '{className}' is not a class of {owner}; valid: {string.Join(", ", data.ClassNames)}.");
            fixedClass = k;
        }
        foreach (var index in indices)
            if (index < 0 || index >= data.Count) throw new UsageException($"--index {index} is outside {data.Name} (0..{data.Count - 1}).");
        device ??= CPU;
        var attributors = methods.Select(m => AttributionMethods.Create(m, (options ?? new AttributionOptions()) with { Normalization = data.Normalization })).ToList();
        foreach (var (_, model) in models) (model as TorchClassifier)?.Network.eval();
        var shape = data.Shape;
        var rows = new List<IReadOnlyList<byte[]?>>();
        var rowLabels = new List<string>();
        var cells = new List<Cell>();
        foreach (var index in indices)
        {
            using var scope = NewDisposeScope();
            using var batch = data.GetBatch(new[] { index }, augment: false, rng: null, withMasks: true);
            var image = batch.Images.to(device);
            var logits = new Dictionary<int, float[]>();
            for (int m = 0; m < models.Count; m++)
                if (models[m].Model is { } model)
                    logits[m] = model.Logits(image)[0].contiguous().data<float>().ToArray();
            int target;
            if (fixedClass is { } f) target = f;
            else
            {
                var scores = logits[models.ToList().FindIndex(m => m.Model is not null)];
                var present = batch.Labels[0].contiguous().data<float>().ToArray();
                var candidates = Enumerable.Range(0, scores.Length).Where(k => present[k] > 0.5f).ToList();
                if (candidates.Count == 0) candidates = Enumerable.Range(0, scores.Length).ToList();
                target = candidates.MaxBy(k => scores[k]);
            }
            var mask = batch.Masks is null ? null : batch.Masks[0, target].contiguous().data<float>().ToArray();
            var display = data.GetDisplayImage(index);
            var targets = tensor(new long[] { target }, device: device);
            foreach (var method in attributors)
            {
                var style = HeatmapStyle.For(method.Kind);
                var row = new List<byte[]?>
                {
                    ImageRender.RenderPng(display, shape.Channels, shape.Height, shape.Width, mask: mask,
                        caption: Caption(data.ClassNames[target], "mask outlined", "")),
                };
                var rowLabel = $"#{index} {data.ClassNames[target]}\n{method.Name}";
                for (int m = 0; m < models.Count; m++)
                {
                    var (label, model) = models[m];
                    var (png, text) = model is null
                        ? NoMap(display, shape, style, mask, label, "no model")
                        : Panel(method, model, image, targets, logits[m][target], display, shape, style, mask, label);
                    row.Add(png);
                    cells.Add(new Cell(rowLabel, label, png, text, index, method.Name, data.ClassNames[target],
                        model is null ? null : logits[m]));
                }
                row.Add(ColorBar.RenderPng(style, shape.Height * style.Scale, clip: null,
                    caption: Caption("c per panel:", $"{style.ClipPercentile.ToString(CultureInfo.InvariantCulture)}th pct", style.Scaling == MapScaling.Symmetric ? "of |value|" : "of value")));
                rows.Add(row);
                rowLabels.Add(rowLabel);
            }
        }
        var columns = new[] { "image" }.Concat(models.Select(m => m.Label)).Append("scale").ToList();
        return (ImageGrid.Compose(rows, rowLabels, columns, new GridStyle { Title = title }), cells);
    }

    private static (byte[] Png, string Text) Panel(IAttributionMethod method, IImageClassifier model, Tensor image, Tensor targets, float logit,
        byte[] display, Data.ImageShape shape, HeatmapStyle style, float[]? mask, string label)
    {
        float[] map;
        try
        {
            map = Attribute(method, model, image, targets).cpu()[0].contiguous().data<float>().ToArray();
        }
        catch (ApcException e) when (e is not UsageException)
        {
            return NoMap(display, shape, style, mask, label, e.Message);
        }
        var scaled = HeatmapOverlay.Scale(map, shape.Height, shape.Width, style);
        var text = PanelText.For(map, scaled, style.Scaling, logit);
        var caption = Caption(label, text.ScaleLine, text.LogitLine);
        var png = HeatmapOverlay.RenderPng(display, shape.Channels, shape.Height, shape.Width, map, style, mask, caption, text.Notice);
        // The caption already holds the notice's words (the reason and the logit line); the picture draws them again.
        return (png, caption.TrimEnd('\n'));
    }

    /// <summary>Maps [B,H,W] of <paramref name="method"/> for <paramref name="model"/>: perturbation methods on any
    /// classifier, gradient methods on a TorchSharp network only (an <see cref="ApcException"/> otherwise).</summary>
    public static Tensor Attribute(IAttributionMethod method, IImageClassifier model, Tensor images, Tensor targets) => (method, model) switch
    {
        (IPerturbationMethod perturbation, TorchClassifier torch) => perturbation.Attribute(torch.Network, images, targets),
        (IPerturbationMethod perturbation, _) => perturbation.Attribute(model, images, targets),
        (_, TorchClassifier torch) => method.Attribute(torch.Network, images, targets),
        _ => throw new ApcException($"{method.Name} needs gradients, which this model (ONNX Runtime) does not give"),
    };

    private static (byte[] Png, string Text) NoMap(byte[] display, Data.ImageShape shape, HeatmapStyle style, float[]? mask, string label, string why)
    {
        var caption = Caption(label, "no map", why);
        var png = HeatmapOverlay.RenderPng(display, shape.Channels, shape.Height, shape.Width, new float[shape.Height * shape.Width],
            style with { ImageFade = Math.Max(style.ImageFade, 0.7f) }, mask, caption, "no map");
        return (png, caption.TrimEnd('\n'));
    }

    private static string Caption(params string[] lines) =>
        string.Join('\n', lines.Concat(Enumerable.Repeat("", Math.Max(0, CaptionLines - lines.Length))));
}
