using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

public static partial class CommandRegistry
{
    static partial void AddExperimentCommands(IConfigurator config)
    {
        config.AddCommand<DemoCommand>("demo")
            .WithDescription("The study on fashion-scenes in one command, from the shipped teacher: structured and unstructured pruning × naive/WCAM, 4 attribution methods, deployment, report (--full: kd/structured/unstructured/quantize × naive/attention transfer/WCAM/stochastic WCAM over 3 seeds; --quick: the smoke test).")
            .WithExample("demo")
            .WithExample("demo", "--quick")
            .WithExample("demo", "--quick", "--executor", "slurm");
        config.AddCommand<ExperimentCommand>("experiment")
            .WithDescription("Run an experiment plan (JSON): cached, resumable stages; results.json, results.md, report.html.")
            .WithExample("experiment", "--config", "docs/experiment-example.json", "--out", "runs/study")
            .WithExample("experiment", "--config", "docs/experiment-example.json", "--out", "/shared/study", "--executor", "slurm", "--time", "02:00:00", "--cpus-per-task", "4")
            .WithExample("experiment", "--status", "/shared/study")
            .WithExample("experiment", "--combine", "runs/study-kd,runs/study-structured", "--out", "runs/study-combined");
        config.AddCommand<StageCommand>("stage")
            .WithDescription("Run one experiment stage (an apc command line after --) and write its done marker: what each Slurm job runs.")
            .WithExample("stage", "--done", "runs/x/seed-0/kd-none/evaluation/DONE", "--", "evaluate", "--model", "runs/x/seed-0/kd-none/model.ckpt", "--out", "runs/x/seed-0/kd-none/evaluation");
    }
}
