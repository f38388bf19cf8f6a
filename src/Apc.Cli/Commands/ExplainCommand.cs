using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using Apc.Attribution;
using Apc.Cli.Settings;
using Apc.Cli.Terminal;
using Apc.Data;
using Apc.Models;
using Apc.Reporting;
using Apc.Training;
using Apc.Util;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

public sealed class ExplainSettings : PerturbationSettings
{
    [CommandOption("--model <MODEL>", isRequired: true)]
    [Description("The model whose attributions are drawn: a checkpoint (.ckpt), or an ONNX export (.onnx) run in ONNX Runtime, which the perturbation methods (occlusion, rise) explain.")]
    public string Model { get; init; } = "";

    [CommandOption("--reference <MODEL>")]
    [Description("A reference model (the teacher; .ckpt or .onnx): the picture shows image | reference | model for every method.")]
    public string? Reference { get; init; }

    [CommandOption("--image <FILE>")]
    [Description("A JPEG or PNG to explain (instead of --index); drawn at the model's input size, so the data-set options do not apply, and --seed only with rise or smoothgrad.")]
    public string? Image { get; init; }

    [CommandOption("--index <LIST>")]
    [Description("Comma-separated indices of validation images of --dataset.")]
    [DefaultValue("0")]
    public string Index { get; init; } = "0";

    [CommandOption("--class <NAME>")]
    [Description("Class to explain (default: the present class the model scores highest; for --image, the top-1 class).")]
    public string? Class { get; init; }

    [CommandOption("--methods <LIST>")]
    [Description("Comma-separated attribution methods, one row each (names as in apc evaluate --help; gcam and ebp are the reference code's names for gradcam and excitation-backprop). " +
                 "Default: " + EvaluateSettings.DefaultMethods + "; occlusion when --model or --reference is an ONNX model (which gives no gradients).")]
    public string? Methods { get; init; }

    /// <summary>--methods as given, or its default: the gradient methods for checkpoints, occlusion when a model is ONNX.</summary>
    public string MethodList => Methods ?? (new[] { Model, Reference }.Any(Deployment.OnnxModelFile.IsOnnxPath) ? "occlusion" : EvaluateSettings.DefaultMethods);

    [CommandOption("--layer <NAME>")]
    [Description("Layer for Grad-CAM-type methods and Excitation Backprop's read-out.")]
    public string? Layer { get; init; }

    [CommandOption("--save-maps <FILE>")]
    [Description("Also write the raw maps, the targets, the logits and the images as named tensors to FILE (safetensors, e.g. maps.safetensors; readable with Python's safetensors or NumPy). Directly inside --out it is one of explain's outputs, replaced by a later explain there; a subfolder of --out is refused. An existing FILE that explain did not write is replaced only with --force.")]
    public string? SaveMaps { get; init; }

    [CommandOption("--out <DIR>")]
    [Description("Output folder: explain.png (the grid), one PNG per panel, explain.json, fingerprint.json. An earlier explain there is replaced, its panel files removed.")]
    [DefaultValue("runs/explain")]
    public string Out { get; init; } = "runs/explain";

    [CommandOption("--force")]
    [Description("Write into --out even when it holds files that no fingerprint.json describes (an explain from before fingerprints, other files), and replace a --save-maps FILE that explain did not write. Another command's folder is refused even so.")]
    public bool Force { get; init; }
}

public sealed class ExplainCommand : Command<ExplainSettings>
{
    public override int Execute(CommandContext context, ExplainSettings settings, CancellationToken cancellationToken)
    {
        var methods = EarlyChecks.Methods(settings.MethodList);
        var requested = ParseIndices(context, settings);
        RefuseUnreadDataOptions(context, settings, methods);
        CheckSaveMaps(settings.SaveMaps);
        CheckSaveMapsTarget(settings.SaveMaps, settings.Out, settings.Force);
        var attributionOptions = settings.AttributionOptions(settings.Layer);
        settings.RequireReadBy(methods);
        var created = methods.Select(m => AttributionMethods.Create(m, attributionOptions)).ToList();
        EarlyChecks.LayerReadBy(settings.Layer, created);
        EarlyChecks.PerturbationOnlyOnOnnx(created, ("--model", settings.Model), ("--reference", settings.Reference));
        // --force overrides only a folder whose files no fingerprint describes; another verb's folder is always refused
        // (replacing its fingerprint would make that run unresumable and its outputs unrecognised).
        var reuse = settings.Force && RunFolder.Recorded(settings.Out) is null ? FolderReuse.Replace : FolderReuse.Redraw;
        RunFolder.Check(settings.Out, RunFingerprints.Merge("explain"), reuse, Outputs(settings.Out));
        using var model = ModelLoading.LoadClassifier(settings.Model, settings.Device, "--model", settings.Threads);
        using var reference = settings.Reference is null ? null : ModelLoading.LoadClassifier(settings.Reference, settings.Device, "--reference", settings.Threads);
        if (settings.Layer is not null) model.Checkpoint?.Model.ResolveLayer(settings.Layer);
        EarlyChecks.PerturbationFits(created, attributionOptions, model.Info.ImageSize);
        TorchThreads.Apply(settings.Threads);
        IDataset data;
        int[] indices;
        JsonObject source;
        if (settings.Image is not null)
        {
            data = ImageFileDataset.ForModel(settings.Image, model.Info);
            indices = new[] { 0 };
            source = new() { ["image"] = "sha256:" + FileChecksum.Sha256(settings.Image), ["image_size"] = model.Info.ImageSize };
        }
        else
        {
            var dataOptions = ModelLoading.ForModel(settings.ToDataOptions(), model.Info);
            var splits = DatasetFactory.Open(dataOptions);
            data = splits.Val.HasMasks || splits.Test is null ? splits.Val : splits.Test;
            indices = requested!;
            var outside = indices.Where(i => i >= data.Count).ToList();
            if (outside.Count > 0 && outside[0] is var past)
                throw new UsageException($"--index {past}: {data.Name} has {Plural.Of(data.Count, "image")} (indices 0 to {data.Count - 1}).");
            Evaluation.Evaluator.CheckCompatible(model.Classifier.Config, data, "--model");
            source = RunFingerprints.EvaluatedData(dataOptions, splits, data, settings.BatchSize, settings.Device);
            source["indices"] = string.Join(",", indices);
        }
        if (reference is not null) Evaluation.Evaluator.CheckCompatible(reference.Classifier.Config, data, "--reference");
        var models = new List<(string, IImageClassifier?)>();
        if (reference is not null) models.Add(("reference", reference.Classifier));
        models.Add(("model", model.Classifier));
        var (grid, cells) = AttributionGallery.Build(models, data, indices, methods, settings.Class, attributionOptions, DeviceParser.Parse(settings.Device));
        byte[]? mapsFile = null;
        if (settings.SaveMaps is not null)
        {
            // The class each picture explains, read from its panels, so that the file and the picture agree.
            var targets = indices.Select(i => (long)data.ClassNames.ToList().IndexOf(cells.First(c => c.Index == i).Class)).ToList();
            var present = models.Where(m => m.Item2 is not null).Select(m => (m.Item1, m.Item2!)).ToList();
            var tensors = ExplainMaps.Collect(present, data, indices, targets, methods, attributionOptions, DeviceParser.Parse(settings.Device));
            try { mapsFile = ExplainMaps.Bytes(tensors); }
            finally { foreach (var t in tensors.Values) t.Dispose(); }
        }
        // A maps file directly inside --out is one of explain's outputs: written with the others, listed in explain.json,
        // and removed by a later explain there. Anywhere else it is the user's file, written on its own.
        var mapsInOut = settings.SaveMaps is { } saved && IsDirectlyInside(saved, settings.Out);
        var fingerprint = RunFingerprints.Merge("explain", new JsonObject
        {
            ["model"] = RunFingerprints.Checkpoint(settings.Model),
            ["reference"] = settings.Reference is null ? null : RunFingerprints.Checkpoint(settings.Reference),
            ["methods"] = string.Join(",", methods), ["layer"] = settings.Layer, ["class"] = settings.Class, ["device"] = settings.Device,
        }, settings.Fingerprint(methods), source);
        // Everything is written under temporary names first; only then are the earlier explain's files removed, the
        // fingerprint recorded and the new files renamed into place, explain.json last. So a rerun that fails (a full
        // disk included) leaves the earlier explain and its fingerprint as they were.
        var gridPath = Path.Combine(settings.Out, "explain.png");
        var files = new List<(string, byte[])> { (gridPath, grid) };
        var panels = new JsonArray();
        foreach (var cell in cells)
        {
            var name = CellFileName(cell) + ".png";
            files.Add((Path.Combine(settings.Out, name), cell.Png));
            panels.Add(new JsonObject
            {
                ["file"] = name,
                ["image"] = settings.Image ?? cell.Index.ToString(CultureInfo.InvariantCulture),
                ["class"] = cell.Class,
                ["method"] = cell.Method,
                ["model"] = cell.Column,
                ["text"] = cell.Text,
                ["logits"] = cell.Logits is null ? null : new JsonArray(cell.Logits.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
            });
        }
        var listing = new JsonObject
        {
            ["classes"] = new JsonArray(data.ClassNames.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
            ["panels"] = panels,
        };
        if (mapsInOut)
        {
            listing["maps"] = Path.GetFileName(settings.SaveMaps!);
            files.Add((Path.Combine(settings.Out, Path.GetFileName(settings.SaveMaps!)), mapsFile!));
        }
        files.Add((Path.Combine(settings.Out, "explain.json"), AtomicFile.JsonBytes(listing)));
        AtomicFile.WriteGroup(files, () =>
        {
            RemoveEarlierOutputs(settings.Out);
            RunFolder.Claim(settings.Out, fingerprint, reuse, Outputs(settings.Out));
        });
        // A maps file outside --out is written once the explain itself has landed, so a refused or failed explain leaves it alone.
        if (mapsFile is not null && !mapsInOut) AtomicFile.WriteAllBytes(settings.SaveMaps!, mapsFile);
        AnsiConsole.MarkupLine($"Wrote [bold]{Markup.Escape(gridPath)}[/], {Plural.Of(cells.Count, "single heatmap")}, explain.json and fingerprint.json in {Markup.Escape(settings.Out)}" +
            (settings.SaveMaps is null ? "." : $"; maps as tensors in {Markup.Escape(settings.SaveMaps)}."));
        return 0;
    }

    /// <summary>What counts as earlier work in <paramref name="dir"/>: explain's own files when a fingerprint describes
    /// the folder; otherwise every entry in it, so that a folder no apc run recorded (an experiment's, one of the
    /// user's) is not written into without --force.</summary>
    static string[] Outputs(string dir) =>
        RunFolder.Recorded(dir) is not null || !Directory.Exists(dir)
            ? new[] { "explain.json", "explain.png" }
            : Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Where(n => n is not null && !n.StartsWith('.')).Select(n => n!).Order().ToArray();

    /// <summary>Whether <paramref name="file"/> lies directly in folder <paramref name="dir"/> (not in a subfolder).</summary>
    static bool IsDirectlyInside(string file, string dir) =>
        string.Equals(Path.GetDirectoryName(Path.GetFullPath(file))?.TrimEnd(Path.DirectorySeparatorChar),
            Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal);

    /// <summary>Removes what an earlier explain wrote into <paramref name="dir"/>: explain.json first (so that it never lists
    /// a file that is gone), then the panel files it lists, its maps file (--save-maps inside the folder) and explain.png.
    /// Only plain names inside the folder are removed (PNG panels, a .safetensors maps file), whatever the listing says;
    /// an unreadable listing removes nothing but itself.</summary>
    public static void RemoveEarlierOutputs(string dir)
    {
        var listing = Path.Combine(dir, "explain.json");
        if (!File.Exists(listing)) return;
        var files = new List<string>();
        try
        {
            var earlier = JsonNode.Parse(File.ReadAllText(listing));
            foreach (var panel in earlier?["panels"]?.AsArray() ?? new JsonArray())
                if (panel?["file"]?.GetValue<string>() is { } name && name == Path.GetFileName(name) && name.EndsWith(".png", StringComparison.Ordinal))
                    files.Add(name);
            if (earlier?["maps"]?.GetValue<string>() is { } maps && maps == Path.GetFileName(maps) && maps.EndsWith(".safetensors", StringComparison.Ordinal))
                files.Add(maps);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or FormatException) { files.Clear(); }
        foreach (var name in files.Prepend("explain.json").Append("explain.png"))
        {
            try { File.Delete(Path.Combine(dir, name)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            { throw new ApcException($"cannot remove '{Path.Combine(dir, name)}' of the earlier explain: {e.Message}"); }
        }
    }

    /// <summary>The file name (without extension) of one panel: image index, class, method and model, in lower case,
    /// each reduced to letters, digits and '+', joined by '-'; so it never starts with '_', '-' or '.', and names that
    /// differ only in case cannot overwrite each other on a case-insensitive file system. E.g. "0-ankle-boot-gradcam-model"
    /// for class "Ankle boot", "3-t-shirt-top-lrp-reference" for "T-shirt/top".</summary>
    public static string CellFileName(AttributionGallery.Cell cell)
    {
        var parts = new[] { cell.Index.ToString(CultureInfo.InvariantCulture), cell.Class, cell.Method, cell.Column }
            .SelectMany(p => System.Text.RegularExpressions.Regex.Split(p.ToLowerInvariant(), "[^a-z0-9+]+"))
            .Where(p => p.Length > 0);
        return string.Join('-', parts);
    }

    /// <summary>--save-maps names a .safetensors file (the format is the file's only content; the name says it).</summary>
    public static void CheckSaveMaps(string? path)
    {
        if (path is null) return;
        if (string.IsNullOrWhiteSpace(path)) throw new UsageException("--save-maps: give a file name, e.g. maps.safetensors.");
        if (!path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--save-maps '{path}': the file name must end in .safetensors (it is written in that format).");
        if (Directory.Exists(path)) throw new UsageException($"--save-maps '{path}' is a folder; give a file name, e.g. maps.safetensors.");
    }

    /// <summary>Where --save-maps may write: not in a subfolder of --out (explain's folder holds its own files only, and an
    /// unrecorded subfolder would make the folder refuse the next explain), and not over an existing file that explain did
    /// not write (<see cref="ExplainMaps.WrittenByExplain"/>) unless --force.</summary>
    /// <exception cref="UsageException">A subfolder of --out.</exception>
    /// <exception cref="ApcException">An existing file of other content, without --force.</exception>
    public static void CheckSaveMapsTarget(string? path, string outDir, bool force)
    {
        if (path is null) return;
        var full = Path.GetFullPath(path);
        var outFull = Path.GetFullPath(outDir).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        if (full.StartsWith(outFull, StringComparison.Ordinal) && !IsDirectlyInside(path, outDir))
            throw new UsageException($"--save-maps '{path}' is in a subfolder of --out '{outDir}'; write it directly into --out (it is then one of explain's outputs) or outside it.");
        if (File.Exists(path) && !force && !ExplainMaps.WrittenByExplain(path))
            throw new ApcException($"--save-maps '{path}' exists and is not a maps file written by apc explain; pass --force to replace it, or choose another file name.");
    }

    /// <summary>The --index list; null with --image (which excludes --index).</summary>
    public static int[]? ParseIndices(CommandContext context, ExplainSettings settings)
    {
        bool indexGiven = EarlyChecks.Given(context, "--index");
        if (settings.Image is not null)
        {
            if (indexGiven) throw new UsageException("--image and --index exclude each other: explain an image file or images of --dataset, not both.");
            return null;
        }
        var entries = settings.Index.Split(',', StringSplitOptions.TrimEntries);
        // "1,,2" is a typo, not "1,2"; one trailing comma ("0,1,") is forgiven.
        if (entries.SkipLast(1).Any(e => e.Length == 0))
            throw new UsageException($"--index '{settings.Index}': an empty entry between commas; expected indices like 0,1,2.");
        var indices = entries.Where(e => e.Length > 0).Select(s =>
            int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i >= 0 ? i
                : throw new UsageException($"--index: '{s}' is not a non-negative integer.")).ToArray();
        if (indices.Length == 0) throw new UsageException("--index: give at least one image index (e.g. --index 0,1).");
        if (indices.GroupBy(i => i).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new UsageException($"--index: {twice.Key} is given twice; each image is drawn once.");
        return indices;
    }

    /// <summary>With --image explain draws that file at the model's own input size and opens no data set, so a data-set
    /// option given beside it would be silently ignored: a usage error instead. (Without --image every data option
    /// applies as in the other verbs: the data set composes all its splits, and --batch-size is part of the fingerprint.)
    /// --seed then seeds only the random methods (RISE's masks, SmoothGrad's noise), so without one of them among
    /// <paramref name="methods"/> (canonical names) it is refused too; a method registered by user code may read it.</summary>
    public static void RefuseUnreadDataOptions(CommandContext context, ExplainSettings settings, IReadOnlyList<string> methods)
    {
        if (settings.Image is null) return;
        foreach (var option in new[] { "--dataset", "--data-root", "--train-size", "--val-size", "--test-size", "--image-size", "--batch-size" })
            if (EarlyChecks.Given(context, option))
                throw new UsageException($"{option}: with --image explain draws that file at the model's input size and opens no data set; leave it out.");
        string[] seeded = ["rise", "smoothgrad"];
        if (EarlyChecks.Given(context, "--seed") && !methods.Any(seeded.Contains) && methods.All(AttributionMethods.BuiltInNames.Contains))
            throw new UsageException($"--seed: with --image it seeds only {string.Join(" and ", seeded)}, and " +
                $"{(EarlyChecks.Given(context, "--methods") ? "--methods" : "the default methods")} ({string.Join(",", methods)}) holds neither; leave it out.");
    }
}
