namespace Apc.Compression;

/// <summary>Knowledge distillation settings (method.md §3).</summary>
/// <param name="Student">The student: an architecture spec built with the teacher's input channels, classes and
/// image size and trained from scratch, or the path of an apc checkpoint whose weights the student starts from
/// (it must have the teacher's classes, input channels and image size). The default is a quarter of the default
/// teacher's width with its geometry (vgg16-bn:w=1/4:skip-pools=4, so that the matched maps have one size), as the
/// reference's student was an eighth of the full VGG16's.</param>
/// <param name="Alpha">α in (1−α)·BCE + α·KD (0.9 in the reference).</param>
/// <param name="Temperature">T of the per-class binary distillation (4 in the reference).</param>
public sealed record DistillationOptions(
    string Student = DistillationOptions.DefaultStudent,
    double Alpha = DistillationOptions.DefaultAlpha,
    double Temperature = DistillationOptions.DefaultTemperature)
{
    /// <summary>The default student architecture.</summary>
    public const string DefaultStudent = "vgg16-bn:w=1/16:skip-pools=4";

    /// <summary>α of the reference (method.md §3.2), the default of --kd-alpha.</summary>
    public const double DefaultAlpha = 0.9;

    /// <summary>T of the reference (method.md §3.2), the default of --temperature.</summary>
    public const double DefaultTemperature = 4;

    /// <summary>Throws a one-line <see cref="UsageException"/> for an empty student, α outside [0, 1] or T not a
    /// positive finite number; the only check of these options (the stage and the objective both call it).
    /// Returns the options.</summary>
    public DistillationOptions Validated()
    {
        if (string.IsNullOrWhiteSpace(Student)) throw new UsageException("--student: empty; give an architecture such as vgg16-bn:w=1/16 or a .ckpt file.");
        if (!(Alpha >= 0 && Alpha <= 1)) throw new UsageException($"--kd-alpha must be in [0, 1] (got {Alpha}).");
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) throw new UsageException($"--temperature must be a positive number (got {Temperature}).");
        return this;
    }
}
