using Apc.Attribution;
using Apc.Cli.Settings;
using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

/// <summary>What each verb checks before it opens a file or a data set (option values, method and matcher names):
/// the first lines of its Execute. <see cref="ApcApp.Check"/> runs these alone, so that an experiment plan and every
/// --help example can be checked without running anything.</summary>
static class EarlyChecks
{
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
                var method = c.Method.Trim().ToLowerInvariant();
                var methods = CompressStages.Plan(method, c.Stages);
                CompressStages.CheckOptionsApply(context.Arguments, method, methods);
                c.ToMatcherOptions();
                foreach (var (m, i) in methods.Select((m, i) => (m, i))) CompressStages.Create(m, i == 0, c);
                c.ToDataOptions();
                break;
            case EvaluateSettings e:
                if (e.Methods is not null) Methods(e.Methods);
                e.ToDataOptions();
                if (e.Split.ToLowerInvariant() is not ("val" or "test")) throw new UsageException($"--split '{e.Split}': expected val or test.");
                break;
            case ExplainSettings x:
                Methods(x.Methods);
                ExplainCommand.ParseIndices(context, x);
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

    public static string[] Methods(string list)
    {
        var methods = list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (methods.Length == 0) throw new UsageException("--methods: give at least one attribution method.");
        foreach (var m in methods) AttributionMethods.Create(m); // validates names before any work
        return methods;
    }
}
