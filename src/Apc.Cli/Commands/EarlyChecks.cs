using Apc.Attribution;
using Apc.Cli.Settings;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

/// <summary>What each verb checks before it opens a file or a data set (option values, method and matcher names):
/// the first lines of its Execute. <see cref="ApcApp.Check"/> runs these alone, so that an experiment plan and every
/// --help example can be checked without running anything.</summary>
static class EarlyChecks
{
    /// <summary>--tolerance of apc evaluate: a finite number of pixels ≥ 0 (the pointing game's, docs/evaluation.md).</summary>
    public static void Tolerance(double pixels)
    {
        if (!(pixels >= 0) || double.IsInfinity(pixels))
            throw new UsageException($"--tolerance must be a finite number of pixels ≥ 0 (got {pixels.ToString(System.Globalization.CultureInfo.InvariantCulture)}).");
    }

    public static void Run(CommandContext context, CommandSettings settings)
    {
        switch (settings)
        {
            case TrainSettings t:
                Models.ArchSpec.Parse(t.Arch);
                t.ToTrainingOptions();
                t.ToDataOptions();
                break;
            case CompressSettings c:
                _ = c.OutputFormat;
                c.ToMatcherOptions();
                c.CheckedLatencyRepeats();
                CompressStages.Steps(c);
                c.ToDataOptions();
                KdMatchingGeometry(c);
                break;
            case InfoSettings i:
                _ = i.Json;
                break;
            case EvaluateSettings e:
                _ = e.OutputFormat;
                if (e.Methods is not null) Methods(e.Methods);
                e.ToDataOptions();
                Tolerance(e.Tolerance);
                if (e.Split.ToLowerInvariant() is not ("val" or "test")) throw new UsageException($"--split '{e.Split}': expected val or test.");
                break;
            case ExplainSettings x:
                Methods(x.MethodList);
                ExplainCommand.ParseIndices(context, x);
                ExplainCommand.CheckSaveMaps(x.SaveMaps);
                x.ToDataOptions();
                break;
            case DemoSettings d:
                if (d.Seeds is not null) DemoCommand.ParseSeeds(d.Seeds);
                break;
            case DataSettings data:
                data.ToDataOptions();
                break;
        }
    }

    public static string[] Methods(string list) => MethodNames.ParseList(list);

    /// <summary>kd with matching compares the teacher's and the student's maps at the matched layer, which must be the
    /// same size in both (a student without the teacher's :skip-pools=4 is not). When the teacher's file is there, as an
    /// experiment plan's shipped teacher is, this is checked now, so that the plan fails before any stage runs rather
    /// than at its kd stage after the others. Reads the teacher and builds the student (fresh weights); runs nothing.</summary>
    /// <exception cref="UsageException">The matched maps differ in size (the matcher's own message, with a hint).</exception>
    public static void KdMatchingGeometry(CompressSettings settings)
    {
        if (settings is not KdSettings kd || !File.Exists(kd.Teacher)) return;
        var matcherOptions = kd.ToMatcherOptions();
        if (matcherOptions.Kind == Matching.MatchingKind.None) return;
        using var teacher = ModelLoading.Load(kd.Teacher, "cpu", "--teacher");
        using var student = Compression.DistillationStage.CreateStudent(kd.Student ?? Compression.DistillationOptions.DefaultStudent, teacher.Model.Config);
        Matching.Matchers.Create(matcherOptions).Check(teacher.Model, student);
    }

    /// <summary>On an ONNX model only the perturbation methods run: the first gradient method among
    /// <paramref name="methods"/> is a one-line usage error that names the ONNX model (the first of
    /// <paramref name="models"/>, option → path, whose path ends in .onnx) and the methods that work.</summary>
    public static void PerturbationOnlyOnOnnx(IEnumerable<IAttributionMethod> methods, params (string Option, string? Path)[] models)
    {
        var onnx = models.FirstOrDefault(m => Deployment.OnnxModelFile.IsOnnxPath(m.Path));
        if (onnx.Path is null) return;
        if (methods.FirstOrDefault(m => m is not IPerturbationMethod) is { } gradient)
            throw new UsageException($"--methods {gradient.Name}: needs gradients, which {onnx.Option} '{onnx.Path}' (an ONNX model) does not give; " +
                $"on ONNX models use {string.Join(", ", AttributionMethods.PerturbationNames)}, or give the checkpoint it was exported from.");
    }

    /// <summary>--layer is read by the CAM methods and Excitation Backprop only: with built-in methods none of which reads
    /// it, it is a usage error rather than silently unused (a method registered by user code may read it).</summary>
    public static void LayerReadBy(string? layer, IReadOnlyList<IAttributionMethod> methods)
    {
        if (layer is null || methods.Any(m => !AttributionMethods.BuiltInNames.Contains(m.Name))) return;
        if (methods.Any(m => m is CamMethod or ExcitationBackprop)) return;
        throw new UsageException($"--layer applies to gradcam, gradcam++, wcam and (contrastive-)excitation-backprop, and --methods " +
            $"({(methods.Count == 0 ? "none" : string.Join(",", methods.Select(m => m.Name)))}) holds none of them.");
    }

    /// <summary>Occlusion slides its patch over the model's input, and RISE lays a grid of cells over it, so a --patch or
    /// --cell larger than the model's image side is a usage error found as soon as the model is loaded (before any data
    /// is composed or any map computed), naming the option. (A RISE cell larger than the image is one cell: every mask
    /// keeps or hides nearly the whole image, and the map says nothing about where.)</summary>
    public static void PerturbationFits(IReadOnlyList<IAttributionMethod> methods, AttributionOptions options, int imageSize)
    {
        if (methods.Any(m => m is Occlusion) && options.PatchSize > imageSize)
            throw new UsageException($"--patch {options.PatchSize}: the occlusion patch is larger than the model's input ({imageSize}x{imageSize} px); give at most {imageSize}.");
        if (methods.Any(m => m is Rise) && options.CellSize > imageSize)
            throw new UsageException($"--cell {options.CellSize}: a RISE mask cell is larger than the model's input ({imageSize}x{imageSize} px); give at most {imageSize}.");
    }

    /// <summary>Whether <paramref name="option"/> is on the command line (as "--x v" or "--x=v"): for options whose
    /// default cannot be told apart from a value the user gave.</summary>
    public static bool Given(CommandContext context, string option) =>
        context.Arguments.Any(a => a == option || a.StartsWith(option + "=", StringComparison.Ordinal));
}
