using System.Text.Json.Nodes;
using Apc.Util;

namespace Apc.Cli.Experiments.Slurm;

/// <summary>OUT/slurm/jobs.json: which Slurm job runs or ran each stage of the latest submission (stage id → job id),
/// and when that submission began. Written after every sbatch, so that a submission cut short still knows its jobs;
/// read by the next submission (to keep a running job instead of starting a second one) and by --status.</summary>
public sealed record SlurmJobRecord(DateTime SubmittedUtc, IReadOnlyDictionary<string, string> Jobs)
{
    public const string FileName = "jobs.json";

    public static string PathIn(string outDir) => Path.Combine(SlurmScripts.Folder(outDir), FileName);

    /// <summary>The record in <paramref name="outDir"/>; null when no submission was made there (or the file is unreadable).</summary>
    public static SlurmJobRecord? Read(string outDir)
    {
        var path = PathIn(outDir);
        if (!File.Exists(path)) return null;
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path))!;
            var jobs = node["jobs"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
            return new SlurmJobRecord(DateTime.Parse(node["submitted"]!.GetValue<string>(), null, System.Globalization.DateTimeStyles.RoundtripKind), jobs);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            return null;
        }
    }

    public void Write(string outDir)
    {
        var jobs = new JsonObject();
        foreach (var (stage, job) in Jobs) jobs[stage] = job;
        AtomicFile.WriteJson(PathIn(outDir), new JsonObject { ["submitted"] = SubmittedUtc.ToString("O"), ["jobs"] = jobs });
    }
}
