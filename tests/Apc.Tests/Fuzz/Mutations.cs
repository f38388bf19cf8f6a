using System.Buffers.Binary;
using System.Text;

namespace Apc.Tests.Fuzz;

/// <summary>Deterministic mutations of valid inputs (for a given <see cref="Random"/>): a few byte- or token-level
/// edits, chosen to reach the checks behind a parser's first gate (sizes and counts set to boundary values, fields
/// cut short, repeated or dropped).</summary>
internal static class Mutations
{
    static readonly int[] Boundaries = [0, 1, -1, 2, 7, 8, 9, 255, 256, 65535, int.MaxValue, int.MinValue, 1 << 30, 0x7F, 0x80];

    /// <summary>1–4 byte-level edits anywhere, or with <paramref name="hotBytes"/>, 80 % of them within the first
    /// <paramref name="hotBytes"/> bytes (headers and tables).</summary>
    public static byte[] Bytes(byte[] input, Random rng, int hotBytes = 0)
    {
        var data = new List<byte>(input);
        int edits = 1 + rng.Next(4);
        for (int e = 0; e < edits; e++)
        {
            int span = hotBytes > 0 && rng.NextDouble() < 0.8 ? Math.Min(hotBytes, data.Count) : data.Count;
            int at = span == 0 ? 0 : rng.Next(span);
            switch (rng.Next(7))
            {
                case 0 when data.Count > 0: data[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1 when data.Count > 0: data[at] = (byte)Boundaries[rng.Next(Boundaries.Length)]; break;
                case 2 when data.Count >= at + 4:
                    var word = new byte[4];
                    if (rng.Next(2) == 0) BinaryPrimitives.WriteInt32LittleEndian(word, Boundaries[rng.Next(Boundaries.Length)]);
                    else BinaryPrimitives.WriteInt32BigEndian(word, Boundaries[rng.Next(Boundaries.Length)]);
                    for (int k = 0; k < 4; k++) data[at + k] = word[k];
                    break;
                case 3: data.RemoveRange(at, Math.Min(data.Count - at, 1 + rng.Next(16))); break;
                case 4: data.InsertRange(at, Enumerable.Range(0, 1 + rng.Next(16)).Select(_ => (byte)rng.Next(256))); break;
                case 5 when data.Count > 0:
                    int from = rng.Next(data.Count), len = Math.Min(data.Count - from, 1 + rng.Next(32));
                    data.InsertRange(at, data.GetRange(from, len)); break;
                default: if (data.Count > 0) data.RemoveRange(at, data.Count - at); break;   // truncate
            }
        }
        return data.ToArray();
    }

    static readonly string[] Tokens =
    [
        "", " ", "0", "-1", "1e309", "-0", "NaN", "1/0", "0/0", "99999999999999999999", "2147483648", "null", "true", "\"\"",
        "[", "]", "{", "}", ",", ":", "=", "\"", "\\", "../", "..", "/", "\n", "\t", "\u0000", "é", "\uFFFD", "<", ">", "&amp;",
        "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>", "&e;", "]]>", "<![CDATA[", "w=", ":w=1/8", "skip-pools=",
        "vgg16-bn", "resnet18", "1/3", "0.5", "-", "+", "e", "1e-45", "3.4e38", "\"a\":", "{}", "[]",
    ];

    /// <summary>1–3 text edits: replace a run of characters with a token, insert a token, delete a run, or swap a
    /// number for another number.</summary>
    public static string Text(string input, Random rng)
    {
        var s = new StringBuilder(input);
        int edits = 1 + rng.Next(3);
        for (int e = 0; e < edits; e++)
        {
            int at = s.Length == 0 ? 0 : rng.Next(s.Length + 1);
            string token = Tokens[rng.Next(Tokens.Length)];
            switch (rng.Next(4))
            {
                case 0: s.Insert(at, token); break;
                case 1:
                    int len = Math.Min(s.Length - at, 1 + rng.Next(8));
                    s.Remove(at, len).Insert(at, token); break;
                case 2: s.Remove(at, Math.Min(s.Length - at, 1 + rng.Next(12))); break;
                default:
                    // Replace the next number with a boundary value: reaches range checks behind the syntax.
                    var text = s.ToString();
                    int start = text.IndexOfAny("0123456789".ToCharArray(), Math.Min(at, text.Length));
                    if (start < 0) { s.Insert(at, token); break; }
                    int end = start;
                    while (end < text.Length && (char.IsDigit(text[end]) || text[end] == '.')) end++;
                    s.Remove(start, end - start).Insert(start, Boundaries[rng.Next(Boundaries.Length)].ToString());
                    break;
            }
        }
        return s.ToString();
    }

    /// <summary>Recomputes the CRC of every PNG chunk whose length still fits, so that a mutation reaches the decoder
    /// behind the CRC check.</summary>
    public static byte[] FixPngCrcs(byte[] png)
    {
        var data = (byte[])png.Clone();
        int at = 8;
        while (at + 12 <= data.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at));
            if (length > data.Length - at - 12) break;
            var typed = data.AsSpan(at + 4, 4 + (int)length).ToArray();
            BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(at + 8 + (int)length), Data.VocFixture.Crc32(typed));
            at += 12 + (int)length;
        }
        return data;
    }
}
