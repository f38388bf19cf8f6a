namespace Apc.Cli.Experiments;

/// <summary>How long a plan took, as its results state it: the stages' own times, summed from their done markers (so a
/// rerun that skips every finished stage still says what the work took), and this invocation's wall-clock time up to
/// the results, which counts only the stages it ran.</summary>
/// <param name="StageSeconds">The sum of the recorded stage times, in seconds. Stages that ran side by side (--jobs,
/// Slurm) count each, so the sum can exceed the wall-clock time.</param>
/// <param name="TimedStages">How many stages recorded their time (markers written before times were recorded have none).</param>
/// <param name="Stages">The plan's stages.</param>
/// <param name="InvocationSeconds">This invocation's wall-clock time up to writing the results, in seconds (for a
/// Slurm report job, since the submission).</param>
public sealed record PlanTime(double StageSeconds, int TimedStages, int Stages, double InvocationSeconds)
{
    /// <summary>The times of <paramref name="stages"/> as their done markers record them.</summary>
    public static PlanTime Of(IReadOnlyList<ExperimentStage> stages, double invocationSeconds)
    {
        var recorded = stages.Select(s => File.Exists(s.DoneMarker) ? StageFingerprint.RecordedSeconds(s.DoneMarker) : null).Where(s => s is not null).ToList();
        return new PlanTime(recorded.Sum(s => s!.Value), recorded.Count, stages.Count, invocationSeconds);
    }

    /// <summary>One sentence for the results, e.g. "The stages took 1 h 05 min in all (45 of 45 stages recorded their
    /// time; stages run side by side count each); this invocation ran 2.3 s before collecting these results (stages
    /// finished before it were skipped)." Collecting (statistics, pictures) takes more, and is not in it.</summary>
    public string Sentence =>
        $"The stages took {ExperimentStatus.Duration(StageSeconds)} in all ({TimedStages} of {Stages} stages recorded their time; " +
        $"stages run side by side count each); this invocation ran {ExperimentStatus.Duration(InvocationSeconds)} before collecting " +
        "these results (stages finished before it were skipped).";
}
