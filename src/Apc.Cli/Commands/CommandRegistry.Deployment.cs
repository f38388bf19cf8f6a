using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

public static partial class CommandRegistry
{
    static partial void AddDeploymentCommands(IConfigurator config)
    {
        config.AddCommand<ExportCommand>("export")
            .WithDescription("Export a checkpoint to ONNX (float32, or an int8 QDQ graph for a quantized network) and check it in ONNX Runtime.")
            .WithExample("export", "--model", "runs/teacher/model.ckpt", "--out", "runs/teacher/model.onnx")
            .WithExample("export", "--model", "runs/quantize/model.ckpt", "--out", "runs/quantize/model.onnx");
    }
}
