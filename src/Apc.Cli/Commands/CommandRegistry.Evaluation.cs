using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

public static partial class CommandRegistry
{
    static partial void AddEvaluationCommands(IConfigurator config)
    {
        config.AddCommand<ExplainCommand>("explain")
            .WithDescription("Draw attribution heatmaps (overlay, maximum marked, mask outline) for images of a data set or an image file.")
            .WithExample("explain", "--model", "runs/teacher/model.ckpt", "--index", "0,1,2", "--methods", "gradcam,lrp", "--out", "runs/explain")
            .WithExample("explain", "--model", "runs/kd/model.ckpt", "--reference", "runs/teacher/model.ckpt", "--image", "photo.png");
        config.AddCommand<EvaluateCommand>("evaluate")
            .WithDescription("Measure prediction, localisation (pointing, AUC, energy) and teacher–student consistency of attribution maps.")
            .WithExample("evaluate", "--model", "runs/kd/model.ckpt", "--reference", "runs/teacher/model.ckpt", "--methods", "gradcam,lrp", "--out", "runs/eval");
    }
}
