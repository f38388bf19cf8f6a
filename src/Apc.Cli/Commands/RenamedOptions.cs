namespace Apc.Cli.Commands;

/// <summary>Options that had another name in earlier versions of apc (before one name per concept across verbs): an old
/// name is refused with one line that gives the new one, instead of Spectre's bare "unknown option". Old experiment
/// plans and scripts then say what to change.</summary>
public static class RenamedOptions
{
    /// <summary>(verb, old option, what to say instead).</summary>
    static readonly (string Verb, string Old, string Instead)[] Renamed =
    {
        ("compress", "--calibrate", "renamed to --calibration-images N (the same name as structured's)"),
        ("compress", "--iterations", "renamed to --rounds N (the same name as unstructured's)"),
        ("compress", "--qat", "renamed: quantization-aware fine-tuning is the default, --no-qat gives post-training quantization only"),
        ("compress", "--method", "the method is the sub-command: apc compress kd|structured|unstructured|quantize|pipeline --teacher ... (see apc compress --help)"),
        ("info", "--json", "renamed to --format json"),
    };

    public static void Reject(IReadOnlyList<string> args)
    {
        if (args.Count == 0) return;
        foreach (var arg in args.TakeWhile(a => a != "--"))
        {
            var name = arg.Split('=', 2)[0];
            foreach (var (verb, old, instead) in Renamed)
                if (args[0] == verb && name == old)
                    throw new UsageException($"apc {verb} {old}: {instead}.");
        }
    }
}
