using System.Text.Json.Nodes;
using Apc.Checkpoints;
using Apc.Models;
using Apc.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Compression;

/// <summary>Knowledge distillation (method "kd", method.md §3): a smaller student trained with
/// (1−α)·BCE + α·KD(T) + β·L_AM towards the original teacher, best-on-validation kept.
/// As the first step (its input is the teacher) the student comes from <see cref="DistillationOptions.Student"/>;
/// later in a pipeline it is a copy of the previous step's network, which keeps training from its weights
/// (e.g. structured pruning, then distillation into the pruned network).</summary>
public sealed class DistillationStage : ICompressionStage
{
    /// <summary>A distillation stage with the checked <paramref name="options"/> (defaults when null).</summary>
    public DistillationStage(DistillationOptions? options = null) { Options = (options ?? new DistillationOptions()).Validated(); }

    /// <summary>The checked options.</summary>
    public DistillationOptions Options { get; }
    /// <inheritdoc/>
    public string Method => "kd";

    /// <inheritdoc/>
    public StageResult Run(StageContext context)
    {
        var teacher = context.Teacher;
        bool fromSpec = ReferenceEquals(context.Input, teacher);
        torch.manual_seed(context.Training.Seed);
        using var student = fromSpec ? CreateStudent(Options.Student, teacher.Config) : ModelCopy.Clone(context.Input);
        var device = DeviceParser.Parse(context.Training.Device);
        student.to(device);
        context.Matcher.Check(teacher, student);

        var compression = new JsonObject
        {
            ["method"] = Method,
            ["student"] = student.Arch.ToString(),
            ["student_source"] = fromSpec ? Options.Student : "previous stage",
            ["teacher"] = teacher.Arch.ToString(),
            ["alpha"] = Options.Alpha,
            ["temperature"] = Options.Temperature,
            ["matcher"] = context.Matcher.Name,
        };
        var objective = new CompressionObjective(teacher, context.Matcher, Options);
        var template = context.Template with { Kind = Method, Compression = compression };
        // Distilling into the previous stage's network keeps that network's pruned weights at zero (and its masks in
        // the checkpoints); a student built from a spec is a new network that no earlier mask describes.
        var training = Trainer.Fit(new TrainingRun(student, context.Data, objective, context.Training, context.OutDir, template,
            context.Resume, context.Monitor, Masks: fromSpec ? null : context.Masks));

        // The trainer leaves the last epoch's weights in memory; the result is the best-on-validation checkpoint (with
        // its masks, which the trainer wrote into it).
        var best = ModelCheckpoint.Load(training.CheckpointPath, device);
        return new StageResult(best.Model, best.Extra, compression, training, training.CheckpointPath);
    }

    /// <summary>The student for a teacher of configuration <paramref name="teacher"/>: an architecture spec is built
    /// with the teacher's input channels, classes and image size (fresh weights from torch's current seed); a .ckpt
    /// file is loaded and must agree with the teacher on all three.</summary>
    public static ClassifierNet CreateStudent(string spec, ModelConfig teacher)
    {
        var text = spec.Trim();
        if (text.EndsWith(".ckpt", StringComparison.OrdinalIgnoreCase) || File.Exists(text))
        {
            var checkpoint = ModelCheckpoint.Load(text);
            var c = checkpoint.Model.Config;
            string? problem =
                c.NumClasses != teacher.NumClasses ? $"{c.NumClasses} classes but the teacher has {teacher.NumClasses}" :
                c.InChannels != teacher.InChannels ? $"{c.InChannels} input channels but the teacher has {teacher.InChannels}" :
                c.ImageSize != teacher.ImageSize ? $"image size {c.ImageSize} but the teacher's is {teacher.ImageSize}" : null;
            if (problem is not null)
            {
                checkpoint.Dispose();
                // A file that does not fit is a bad input file (exit 1), as a --teacher that does not fit the data is.
                throw new ApcException($"--student: checkpoint '{text}' has {problem}; a student must predict the teacher's classes from the same input.");
            }
            foreach (var t in checkpoint.Extra.Values) t.Dispose();
            checkpoint.Model.train();
            return checkpoint.Model;
        }
        ArchSpec arch;
        try { arch = ArchSpec.Parse(text); }
        catch (UsageException e) { throw new UsageException($"--student: {e.Message}"); }
        try { return ModelFactory.Create(teacher with { Arch = arch }); }
        catch (UsageException e) { throw new UsageException($"--student {arch}: {e.Message}"); }
    }
}
