using Apc.Cli.Experiments;

namespace Apc.Tests.Docs;

/// <summary>Every experiment plan committed under docs/ (the study's, for the next run) loads, validates and builds its
/// stages with the code as it is now, so that a plan named in docs/results.md does not rot before it is run. The
/// teacher path in such plans is relative to the repository root, where the docs say to run them.</summary>
public class CommittedPlansTests
{
    static string Root([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    public static TheoryData<string> Plans()
    {
        var plans = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(Root(), "docs"), "plan*.json", SearchOption.AllDirectories).Order())
            plans.Add(Path.GetRelativePath(Root(), file));
        return plans;
    }

    [Theory]
    [MemberData(nameof(Plans))]
    public void ACommittedPlanLoadsAndBuildsItsStages(string plan)
    {
        var config = ExperimentConfig.Load(Path.Combine(Root(), plan));
        var (stages, runs) = ExperimentPlan.Build(config, Path.Combine(Path.GetTempPath(), "apc-plan-check"), "cpu", 1);
        Assert.NotEmpty(stages);
        Assert.Equal(config.Seeds.Count, runs.Count(r => r.Compression == "teacher"));
        if (config.Teacher.Checkpoint is { } teacher)
            Assert.True(File.Exists(Path.Combine(Root(), teacher)), $"{plan}: teacher '{teacher}' is not in the repository");
    }
}
