using System.Text;

namespace Apc.Util;

/// <summary>Command lines as POSIX shells read them, so that a stored command (a checkpoint's provenance) pastes back
/// into bash or sh as the same arguments, including empty ones and paths with spaces or quotes.</summary>
public static class CommandLine
{
    /// <summary>The arguments joined by spaces; each one that a shell would split or expand is put in single quotes
    /// (a quote inside becomes '\''), and an empty one is ''.</summary>
    public static string Format(IEnumerable<string> args) => string.Join(' ', args.Select(Quote));

    /// <summary>One argument as a shell word.</summary>
    public static string Quote(string arg)
    {
        ArgumentNullException.ThrowIfNull(arg);
        if (arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "_@%+=:,./-".Contains(c))) return arg;
        return "'" + arg.Replace("'", "'\\''") + "'";
    }

    /// <summary>Splits a command line as a POSIX shell does (words separated by blanks; single quotes literal; double
    /// quotes with \", \\, \$ and \` escapes; a backslash outside quotes escapes the next character). No expansion.
    /// An unterminated quote is an <see cref="ApcException"/>.</summary>
    public static IReadOnlyList<string> Split(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c is ' ' or '\t' or '\n')
            {
                if (inWord) { words.Add(word.ToString()); word.Clear(); inWord = false; }
                continue;
            }
            inWord = true;
            if (c == '\'')
            {
                int end = line.IndexOf('\'', i + 1);
                if (end < 0) throw new ApcException($"command line has an unterminated single quote at character {i + 1}.");
                word.Append(line, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '"')
            {
                int j = i + 1;
                for (; j < line.Length && line[j] != '"'; j++)
                {
                    if (line[j] == '\\' && j + 1 < line.Length && line[j + 1] is '"' or '\\' or '$' or '`') j++;
                    word.Append(line[j]);
                }
                if (j >= line.Length) throw new ApcException($"command line has an unterminated double quote at character {i + 1}.");
                i = j;
            }
            else if (c == '\\' && i + 1 < line.Length) word.Append(line[++i]);
            else word.Append(c);
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }
}
