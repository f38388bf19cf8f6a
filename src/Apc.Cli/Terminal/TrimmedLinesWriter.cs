using System.Text;

namespace Apc.Cli.Terminal;

/// <summary>A text writer that drops the spaces at the end of every line before passing it on. Spectre lays out --help
/// as a grid as wide as the console (<see cref="ConsoleWidth.Redirected"/> columns when redirected), padding every line
/// with spaces; piped into a file or <c>less</c>, that padding is noise. A partial last line is passed on by
/// <see cref="Flush"/> and <see cref="Dispose(bool)"/>.</summary>
public sealed class TrimmedLinesWriter(TextWriter inner) : TextWriter
{
    readonly StringBuilder line = new();

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            inner.Write(TrimEnd(line));
            inner.Write('\n');
            line.Clear();
        }
        else line.Append(value);
    }

    public override void Flush()
    {
        inner.Write(TrimEnd(line));
        line.Clear();
        inner.Flush();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Flush();
        base.Dispose(disposing);
    }

    /// <summary>The line without trailing spaces; a carriage return before the newline is kept.</summary>
    static string TrimEnd(StringBuilder text)
    {
        var s = text.ToString();
        return s.EndsWith('\r') ? s[..^1].TrimEnd(' ') + "\r" : s.TrimEnd(' ');
    }
}
