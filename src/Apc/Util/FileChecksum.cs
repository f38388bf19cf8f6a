using System.Security.Cryptography;

namespace Apc.Util;

/// <summary>SHA-256 of a file's bytes, as lower-case hex: how a run's fingerprint names an input checkpoint or data
/// file by its content rather than by its path.</summary>
public static class FileChecksum
{
    /// <exception cref="ApcException">The file cannot be read.</exception>
    public static string Sha256(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new ApcException($"cannot read '{path}' to take its checksum: {e.Message}"); }
    }
}
