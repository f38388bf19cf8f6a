using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

public static partial class CommandRegistry
{
    static partial void AddEvaluationCommands(IConfigurator config)
    {
        config.AddCommand<EvaluateCommand>("evaluate")
            .WithDescription("Measure prediction, localisation (pointing, AUC, energy) and teacher–student consistency of attribution maps.")
            .WithExample("evaluate", "--model", "runs/kd/model.ckpt", "--reference", "runs/teacher/model.ckpt", "--methods", "gradcam,lrp", "--out", "runs/eval");
    }
}
