using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

public static partial class CommandRegistry
{
    static partial void AddCompressionCommands(IConfigurator config)
    {
        config.AddCommand<CompressCommand>("compress")
            .WithDescription("Compress a teacher (kd, structured, unstructured, quantize, or a pipeline of them) while matching its attribution maps.")
            .WithExample("compress", "kd", "--teacher", "runs/teacher/model.ckpt", "--match", "wcam", "--out", "runs/kd-wcam")
            .WithExample("compress", "kd", "--teacher", "runs/teacher/model.ckpt", "--match", "none", "--out", "runs/kd-naive")
            .WithExample("compress", "pipeline", "--teacher", "runs/teacher/model.ckpt", "--stages", "structured,kd,quantize", "--out", "runs/pipeline");
    }
}
