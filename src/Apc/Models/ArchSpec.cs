using System.Globalization;

namespace Apc.Models;

/// <summary>Which network to build, as a short text a user can type: <c>vgg16-bn</c>, <c>vgg16-bn:w=1/8</c>,
/// <c>vgg11-bn:channels=8,M,16,M,32,32,M,64,64,M,64,64,M</c>, <c>resnet18:w=1/4</c>,
/// <c>resnet18:widths=16,16,16,32,32,64,64,128,128</c>, <c>vgg16-bn:w=1/4:skip-pools=4</c>. Input channels, classes and image size come from
/// the data set, not from the spec (see <see cref="ModelConfig"/>).</summary>
/// <param name="Family">The <see cref="IArchitectureFamily.Name"/> of a registered family: "vgg", "resnet" or one added by user code.</param>
/// <param name="Depth">11, 13, 16, 19 for VGG; 18 for ResNet.</param>
/// <param name="Width">Width multiplier (1/8 divides every layer's channels by 8).</param>
/// <param name="Channels">Explicit per-layer widths, overriding <paramref name="Width"/>. VGG: the
/// feature configuration with -1 for a max-pool (written "M"). ResNet: the stem width followed by the
/// inner width (first conv's output) of each basic block.</param>
/// <param name="SkipPools">VGG only: the stages (1..5) whose closing max-pool is not built, so that small inputs keep
/// the reference's geometry (skip-pools=4 at 64 px: relu5_3 8×8 and pool5 4×4, as 14×14 → 7×7 at 227 px). Layer
/// names and the channel list keep the reference stages; the skipped pool simply does not exist. Sorted, distinct.</param>
/// <param name="Blocks">Block-sparse networks (VGG only): the number of blocks (groups) of every conv in network order,
/// 1 for a dense conv. A conv with G &gt; 1 blocks is a grouped conv between two channel permutations
/// (<see cref="BlockLayout"/>), written <c>:blocks=1,4,4,...</c>.</param>
/// <param name="BlockSeed">The seed the permutations of <paramref name="Blocks"/> are drawn from (<c>:block-seed=N</c>);
/// the spec alone rebuilds them, so a checkpoint reloads exactly.</param>
public sealed record ArchSpec(string Family, int Depth, double Width = 1.0, int[]? Channels = null, int[]? SkipPools = null,
    int[]? Blocks = null, int BlockSeed = 0)
{
    /// <summary>The entry that stands for a max-pool in a VGG channel list.</summary>
    public const int Pool = -1;

    /// <summary>Specs shown in help texts.</summary>
    public static IReadOnlyList<string> Examples { get; } =
        new[] { "vgg11-bn", "vgg13-bn", "vgg16-bn", "vgg19-bn", "vgg16-bn:w=1/8", "resnet18", "resnet18:w=1/4" };

    /// <summary>The spec <paramref name="text"/> stands for; an unknown head or option is a <see cref="UsageException"/> listing the valid ones.</summary>
    public static ArchSpec Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new UsageException("--arch: empty architecture.");
        var parts = text.Trim().Split(':');
        var head = parts[0].ToLowerInvariant();
        var families = ArchitectureFamilies.All;
        ArchSpec spec = families.Select(f => f.ParseHead(head)).FirstOrDefault(s => s is not null)
            ?? throw new UsageException(
                $"unknown architecture '{parts[0]}'; valid: {string.Join(", ", families.SelectMany(f => f.Heads))} (options :w=1/8, :channels=..., VGG :skip-pools=4)");
        foreach (var option in parts.Skip(1))
        {
            var kv = option.Split('=', 2);
            if (kv.Length != 2) throw new UsageException($"architecture '{text}': option '{option}' is not key=value.");
            switch (kv[0].Trim().ToLowerInvariant())
            {
                case "w":
                case "width":
                    spec = spec with { Width = ParseFraction(kv[1], text) };
                    break;
                case "channels":
                case "widths":
                    spec = spec with { Channels = ParseChannels(kv[1], text) };
                    break;
                case "skip-pools":
                    spec = spec with { SkipPools = ParseSkipPools(kv[1], text) };
                    break;
                case "blocks":
                    spec = spec with { Blocks = ParseBlocks(kv[1], text) };
                    break;
                case "block-seed":
                    spec = spec with { BlockSeed = int.TryParse(kv[1].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) && seed >= 0
                        ? seed : throw new UsageException($"architecture '{text}': block-seed '{kv[1]}' must be a non-negative integer.") };
                    break;
                default:
                    throw new UsageException($"architecture '{text}': unknown option '{kv[0]}' (valid: w, channels, skip-pools, blocks, block-seed).");
            }
        }
        spec.Validate(text);
        return spec;
    }

    static double ParseFraction(string value, string text)
    {
        var v = value.Trim();
        var slash = v.IndexOf('/');
        double result = slash > 0 ? Number(v[..slash]) / Number(v[(slash + 1)..]) : Number(v);
        if (!(result > 0) || result > 8)
            throw new UsageException($"architecture '{text}': width '{value}' must be a number in (0, 8] or a fraction like 1/8.");
        return result;

        static double Number(string s) =>
            double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : double.NaN;
    }

    static int[] ParseChannels(string value, string text) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(c =>
        {
            if (c.Equals("M", StringComparison.OrdinalIgnoreCase)) return Pool;
            if (int.TryParse(c, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0) return n;
            throw new UsageException($"architecture '{text}': channel entry '{c}' must be a positive integer or M.");
        }).ToArray();

    static int[] ParseBlocks(string value, string text)
    {
        var blocks = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(b =>
            int.TryParse(b, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n
                : throw new UsageException($"architecture '{text}': blocks entry '{b}' must be a positive integer (1 = dense conv).")).ToArray();
        return blocks.Length > 0 ? blocks : throw new UsageException($"architecture '{text}': blocks needs one number per conv (e.g. blocks=1,4,4).");
    }

    static int[] ParseSkipPools(string value, string text)
    {
        var entries = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var stages = entries.Select(e =>
            int.TryParse(e, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= VggStages
                ? n
                : throw new UsageException(
                    $"architecture '{text}': skip-pools entry '{e}' must be a VGG stage number 1..{VggStages} (e.g. skip-pools=4).")).ToArray();
        if (stages.Length == 0)
            throw new UsageException($"architecture '{text}': skip-pools needs stage numbers 1..{VggStages} (e.g. skip-pools=4).");
        stages = stages.Distinct().Order().ToArray();
        if (stages.Length == VggStages)
            throw new UsageException($"architecture '{text}': skip-pools cannot leave out all {VggStages} pools; at least one must remain (the last built pool is the default matching layer).");
        return stages;
    }

    /// <summary>Every VGG depth has five stages, each closed by a max-pool.</summary>
    public const int VggStages = 5;

    /// <summary>Whether the max-pool closing VGG stage <paramref name="stage"/> (1-based) is built.</summary>
    public bool BuildsPool(int stage) => SkipPools is null || !SkipPools.Contains(stage);

    void Validate(string text) => ArchitectureFamilies.Get(Family).Validate(this, text);

    /// <summary>Canonical text; <see cref="Parse"/> of it gives an equal spec.</summary>
    public override string ToString()
    {
        // Never throws: a spec of an unregistered family (built in code, not parsed) still prints.
        var text = ArchitectureFamilies.Find(Family)?.Head(this) ?? $"{Family}{Depth}";
        // The multiplier is kept beside an explicit list: ResNet takes its residual stage widths from it
        // (a pruned resnet18:w=1/4 has explicit inner widths but the stage widths of w=1/4).
        if (Width != 1.0)
        {
            var inverse = 1.0 / Width;
            text += Math.Abs(inverse - Math.Round(inverse)) < 1e-9
                ? $":w=1/{Math.Round(inverse).ToString(CultureInfo.InvariantCulture)}"
                : $":w={Width.ToString("R", CultureInfo.InvariantCulture)}";
        }
        if (Channels is not null)
            text += $":channels={string.Join(',', Channels.Select(c => c == Pool ? "M" : c.ToString(CultureInfo.InvariantCulture)))}";
        if (SkipPools is not null)
            text += $":skip-pools={string.Join(',', SkipPools.Select(s => s.ToString(CultureInfo.InvariantCulture)))}";
        if (Blocks is not null)
            text += $":blocks={string.Join(',', Blocks.Select(b => b.ToString(CultureInfo.InvariantCulture)))}" +
                    $":block-seed={BlockSeed.ToString(CultureInfo.InvariantCulture)}";
        return text;
    }

    /// <summary>Equal when the canonical texts are equal.</summary>
    public bool Equals(ArchSpec? other) => other is not null && ToString() == other.ToString();
    /// <inheritdoc/>
    public override int GetHashCode() => ToString().GetHashCode();
}
