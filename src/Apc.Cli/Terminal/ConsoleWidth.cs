using Spectre.Console;

namespace Apc.Cli.Terminal;

/// <summary>The width Spectre lays out tables and lines for. On a terminal it is the terminal's; redirected to a file
/// or a pipe Spectre assumes 80 columns and breaks table cells in the middle of words (a checkpoint path, a class
/// name), which a log or a grep then cannot read. Redirected output gets <see cref="Redirected"/> columns instead:
/// wider than the tables apc prints (paths up to about 150 characters included), yet not so wide that a rule, which
/// spans the width, floods a log.</summary>
public static class ConsoleWidth
{
    public const int Redirected = 200;

    public static void Apply(Profile profile, bool redirected)
    {
        if (redirected) profile.Width = Math.Max(profile.Width, Redirected);
    }
}
