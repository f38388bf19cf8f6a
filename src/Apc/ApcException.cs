using System.Text;

namespace Apc;

/// <summary>A problem caused by the user's input or environment (bad file, bad value). The CLI prints
/// its message as one line and exits with code 1; no stack trace unless --verbose.</summary>
/// <remarks>Messages often quote what the user gave (a name from a file, an option value). So that a message is
/// always one readable line, line breaks become spaces and other control characters are shown escaped (\u001B), never
/// passed to the terminal.</remarks>
public class ApcException : Exception
{
    /// <summary>A runtime error with a one-line message (line breaks become spaces).</summary>
    public ApcException(string message) : base(OneLine(message)) { }
    /// <summary>A runtime error with a one-line message and the exception that caused it.</summary>
    public ApcException(string message, Exception inner) : base(OneLine(message), inner) { }

    /// <summary><paramref name="text"/> on one line: CR, LF and CRLF become a space, other control characters \uXXXX.</summary>
    public static string OneLine(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Any(char.IsControl)) return text;
        var line = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') continue;
            if (c is '\r' or '\n') line.Append(' ');
            else if (char.IsControl(c)) line.Append($"\\u{(int)c:X4}");
            else line.Append(c);
        }
        return line.ToString();
    }
}

/// <summary>A command line that cannot be carried out as written (unknown option value, value out of
/// range). The CLI exits with code 2.</summary>
public sealed class UsageException : ApcException
{
    /// <summary>A usage error (exit code 2) with a one-line message naming the option and the valid values.</summary>
    public UsageException(string message) : base(message) { }
}
