using Apc.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Apc.Cli;

/// <summary>The command-line application: verbs, and the one place where errors become exit codes.
/// Exit 0 success, 1 runtime error (bad file, diverged training), 2 usage error. One line per error;
/// a stack trace only with --verbose.</summary>
public static class ApcApp
{
    public static int Run(string[] args, TextWriter? error = null)
    {
        bool verbose = args.Contains("--verbose");
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("apc");
            config.SetApplicationVersion(ToolVersion.Text);
            config.PropagateExceptions();
            config.Settings.ShowOptionDefaultValues = true;
            config.Settings.StrictParsing = true;
            config.AddCommand<TrainCommand>("train")
                .WithDescription("Train a multi-label CNN classifier (the teacher) and keep the best-on-validation checkpoint.")
                .WithExample("train")
                .WithExample("train", "--arch", "vgg16-bn:w=1/4", "--epochs", "12", "--out", "runs/teacher");
            config.AddCommand<InfoCommand>("info")
                .WithDescription("Show what a checkpoint holds: architecture, parameters, multiply-accumulates, classes, metrics.")
                .WithExample("info", "runs/teacher/model.ckpt");
            config.AddCommand<ImportCommand>("import")
                .WithDescription("Import a PyTorch state_dict (torchvision VGG-BN / ResNet key names) as an apc checkpoint.")
                .WithExample("import", "--pytorch", "teacher.pt", "--arch", "vgg16-bn", "--classes", "20", "--image-size", "227", "--out", "teacher.ckpt");
            CommandRegistry.AddMore(config);
        });
        var err = error ?? Console.Error;
        try
        {
            return app.Run(args);
        }
        catch (Exception e)
        {
            var (code, message) = Classify(e);
            // Plain text, never wrapped: one line that scripts and logs can grep.
            err.WriteLine($"error: {message.ReplaceLineEndings(" ")}");
            if (verbose) err.WriteLine(e.ToString());
            return code;
        }
    }

    static (int Code, string Message) Classify(Exception e) => e switch
    {
        UsageException u => (2, u.Message),
        CommandAppException c => (2, c.Message),
        ApcException a => (1, a.Message),
        AggregateException { InnerExceptions.Count: 1 } ag => Classify(ag.InnerExceptions[0]),
        OutOfMemoryException => (1, "out of memory; try a smaller --batch-size."),
        _ => (1, $"internal error ({e.GetType().Name}): {e.Message} (run with --verbose for details)"),
    };
}
