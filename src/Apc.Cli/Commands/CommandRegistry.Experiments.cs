using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

public static partial class CommandRegistry
{
    static partial void AddExperimentCommands(IConfigurator config)
    {
        config.AddCommand<DemoCommand>("demo")
            .WithDescription("The paper's study on fashion-scenes in one command: teacher, kd/structured/unstructured/quantize × none/at/wcam/wcam+drop, evaluation, report.")
            .WithExample("demo")
            .WithExample("demo", "--quick");
        config.AddCommand<ExperimentCommand>("experiment")
            .WithDescription("Run an experiment plan (JSON): cached, resumable stages; results.json, results.md, report.html.")
            .WithExample("experiment", "--config", "docs/experiment-example.json", "--out", "runs/study");
    }
}
