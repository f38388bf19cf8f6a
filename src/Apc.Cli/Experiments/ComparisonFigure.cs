using Apc.Checkpoints;
using Apc.Models;
using Apc.Reporting;

namespace Apc.Cli.Experiments;

/// <summary>The paper's Figure 1 for a finished study: rows = images of the evaluated split; columns = the image with the class
/// mask outlined, the teacher, each compression method (kd, structured, unstructured) without attribution matching
/// ("naive", matcher none), then each with WCAM; every map's maximum marked. One figure per attribution method of
/// the plan, Grad-CAM first. A run that is missing keeps its column, with "no map" panels; a compression that does not run
/// with a matcher (a control with its own matchers) has no column for it.</summary>
public static class ComparisonFigure
{
    /// <summary>Compression methods the figure shows, in the paper's order.</summary>
    public static IReadOnlyList<string> FigureMethods { get; } = ["kd", "structured", "unstructured"];

    /// <summary>(file name, PNG, caption) per attribution method; nothing when the teacher or the examples are missing.</summary>
    public static IEnumerable<(string File, byte[] Png, string Caption)> Build(ExperimentResults results, int seed)
    {
        var config = results.Config;
        var teacherRun = results.Runs.FirstOrDefault(r => r.Run.Seed == seed && r.Run.Compression == "teacher");
        if (teacherRun is null || !File.Exists(teacherRun.Run.ModelPath)) yield break;
        var compressions = FigureMethods.SelectMany(m => config.Compressions.Where(c => c.Method == m)).ToList();
        if (compressions.Count == 0) yield break;
        var (split, examples) = ExperimentReport.Examples(config, seed, teacherRun.Run.ModelPath);
        if (examples.Count == 0) yield break;
        var methods = config.Evaluation.Methods.OrderBy(m => m == "gradcam" ? 0 : 1).ToList();

        var loaded = new List<ModelCheckpoint>();
        try
        {
            loaded.Add(ExperimentReport.Load(teacherRun.Run.ModelPath));
            var models = new List<(string, ClassifierNet?)> { ("teacher", loaded[0].Model) };
            foreach (var (matcher, title) in new[] { ("none", "naive"), ("wcam", "WCAM") })
                foreach (var c in compressions.Where(c => config.MatchersOf(c).Contains(matcher)))
                {
                    var run = results.Runs.FirstOrDefault(r => r.Run.Seed == seed && r.Run.Compression == c.Name && r.Run.Matcher == matcher);
                    var checkpoint = run is null || !File.Exists(run.Run.ModelPath) ? null : ExperimentReport.Load(run.Run.ModelPath);
                    if (checkpoint is not null) loaded.Add(checkpoint);
                    models.Add(($"{title} {c.Name}", checkpoint?.Model));
                }
            foreach (var method in methods)
            {
                var (grid, _) = AttributionGallery.Build(models, split, examples, [method],
                    title: $"{method}: teacher, naive compression, compression with WCAM");
                yield return ($"comparison-{method}.png", grid,
                    $"Figure 1 of the paper, {method}: images of the {config.Evaluation.Split} split with the class mask outlined; the teacher; " +
                    $"{string.Join(", ", compressions.Where(c => config.MatchersOf(c).Contains("none")).Select(c => c.Name))} without attribution matching (naive), " +
                    $"then {string.Join(", ", compressions.Where(c => config.MatchersOf(c).Contains("wcam")).Select(c => c.Name))} with WCAM " +
                    "(seed " + seed + "; maximum marked; c is each map's 99.5th percentile, shown at full colour)");
            }
        }
        finally
        {
            foreach (var l in loaded) l.Dispose();
        }
    }
}
