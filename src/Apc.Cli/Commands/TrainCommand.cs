using System.ComponentModel;
using System.Globalization;
using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Cli.Terminal;
using Apc.Cli.Settings;
using Apc.Data;
using Apc.Models;
using Apc.Training;
using Apc.Util;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;

namespace Apc.Cli.Commands;

public sealed class TrainSettings : OptimizerSettings
{
    [CommandOption("--arch <SPEC>")]
    [Description("Architecture: vgg11-bn … vgg19-bn, resnet18, with options like :w=1/4, :channels=… or (VGG) :skip-pools=4. The default is the shipped teacher's: at 64 px its Grad-CAM read-out is 8×8 and its last pool 4×4.")]
    [DefaultValue(Experiments.ShippedTeacher.Arch)]
    public string Arch { get; init; } = Experiments.ShippedTeacher.Arch;

    [CommandOption("--epochs <N>")]
    [Description("Passes over the training images; the checkpoint kept is the epoch with the best validation mAP.")]
    [DefaultValue(12)]
    public int Epochs { get; init; } = 12;

    [CommandOption("--lr <RATE>")]
    [Description("Initial learning rate.")]
    [DefaultValue(0.05)]
    public double Lr { get; init; } = 0.05;

    [CommandOption("--lr-steps <EPOCHS>")]
    [Description("Comma-separated epochs (1-based) from which the learning rate is divided by 10 (\"\" for none): 8 means epoch 8 on trains at --lr/10. Default: after ⌊60%⌋ and ⌊85%⌋ of --epochs, i.e. 8,11 for 12 epochs.")]
    public string? LrSteps { get; init; }

    [CommandOption("--out <DIR>")]
    [Description("Output folder: model.ckpt, metrics.json, train-state.ckpt.")]
    [DefaultValue("runs/teacher")]
    public string Out { get; init; } = "runs/teacher";

    [CommandOption("--resume")]
    [Description("Continue from the last completed epoch in --out (only a run with the same settings).")]
    public bool Resume { get; init; }

    [CommandOption("--force")]
    [Description("Replace what --out holds (another run's model and training state) and start afresh.")]
    public bool Force { get; init; }

    public TrainingOptions ToTrainingOptions()
    {
        if (Epochs < 1) throw new UsageException("--epochs must be at least 1.");
        var steps = LrSteps is null ? CompressStages.DecaySteps(Epochs) : LrStepsWithin(ParseEpochList(LrSteps, "--lr-steps"), Epochs);
        return new TrainingOptions(Epochs, BatchSize, Lr, Momentum, WeightDecay, steps, 0.1, Seed, Device, Threads).Validated();
    }

    public static int[] ParseEpochList(string text, string option) =>
        string.IsNullOrWhiteSpace(text) ? Array.Empty<int>() :
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s =>
            int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
                : throw new UsageException($"{option}: '{s}' is not a positive epoch number.")).ToArray();
}

public sealed class TrainCommand : Command<TrainSettings>
{
    public override int Execute(CommandContext context, TrainSettings settings, CancellationToken cancellationToken)
    {
        var options = settings.ToTrainingOptions();
        var arch = ArchSpec.Parse(settings.Arch);
        DeviceParser.Parse(options.Device); // a CUDA device on the CPU build is refused before the folder is claimed
        var reuse = RunFingerprints.Reuse(settings.Resume, settings.Force);
        var dataOptions = settings.ToDataOptions();
        var data = DatasetFactory.Open(dataOptions);
        var fingerprint = RunFingerprints.Merge("train", new JsonObject { ["arch"] = arch.ToString() },
            RunFingerprints.Training(options), RunFingerprints.Threads(options.Threads), RunFingerprints.Data(dataOptions, data, settings.BatchSize, settings.Device));
        RunFolder.Claim(settings.Out, fingerprint, reuse, new[] { "model.ckpt", "train-state.ckpt", "metrics.json" });
        var train = data.Train;
        torch.manual_seed(settings.Seed);
        using var model = ModelFactory.Create(new ModelConfig(arch, train.Shape.Channels, train.ClassNames.Count, train.Shape.Height));
        var config = new JsonObject
        {
            ["arch"] = arch.ToString(), ["dataset"] = settings.Dataset, ["train_size"] = train.Count, ["val_size"] = data.Val.Count,
            ["image_size"] = train.Shape.Height, ["epochs"] = options.Epochs, ["batch_size"] = options.BatchSize, ["lr"] = options.LearningRate,
            ["momentum"] = options.Momentum, ["weight_decay"] = options.WeightDecay,
            ["lr_steps"] = new JsonArray(options.EffectiveLrSteps.Select(s => (JsonNode)s).ToArray()), ["seed"] = options.Seed,
        };
        var template = new CheckpointInfo("teacher", arch.ToString(), train.Shape.Channels, train.ClassNames.Count, train.Shape.Height,
            train.ClassNames, train.Normalization, settings.Dataset,
            CheckpointInfo.MakeProvenance(Apc.Util.CommandLine.Format(context.Arguments.Prepend("apc")), settings.Seed, config), new JsonObject());
        AnsiConsole.MarkupLine($"Training [bold]{arch}[/] ({model.ParameterCount():N0} parameters, {model.MultiplyAccumulates():N0} MACs/image) " +
            $"on {Markup.Escape(train.Name)} ({train.Count} train, {data.Val.Count} val, {train.Shape}) for {Plural.Of(options.Epochs, "epoch")}.");
        var run = new TrainingRun(model, data, new MultiLabelLoss(), options, settings.Out, template, reuse == FolderReuse.Resume);
        var result = ProgressTrainingMonitor.Run(AnsiConsole.Console, "train", monitor => Trainer.Fit(run with { Monitor = monitor }));
        ResultTables.Write(AnsiConsole.Console, result);
        AnsiConsole.MarkupLine($"Best model: [bold]{Markup.Escape(result.CheckpointPath)}[/] (epoch {result.Best.Epoch}); metrics in " +
            $"{Markup.Escape(Path.Combine(settings.Out, "metrics.json"))}; {result.Seconds:F0} s.");
        return 0;
    }
}
