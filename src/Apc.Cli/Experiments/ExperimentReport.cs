namespace Apc.Cli.Experiments;

/// <summary>report.html and the PNG pictures of an experiment.</summary>
public static class ExperimentReport
{
    public static void Write(ExperimentResults results, string outDir, string command, double seconds)
    {
        _ = results; _ = outDir; _ = command; _ = seconds;
    }
}
