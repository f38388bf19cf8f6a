// MSBuild inline task (compiled by RoslynCodeTaskFactory against netstandard2.0, see TorchSharpNativeFix.targets).
//
// TorchSharp 0.107.0's libLibTorchSharp.so declares a version need on GLIBCXX_3.4.32 (GCC 13) for a
// single symbol that no relocation uses. Older hosts (Debian 12 ships GLIBCXX_3.4.30) then refuse to
// load the library. Marking that one version-need entry weak (VER_FLG_WEAK) lets the dynamic loader
// accept a libstdc++ without it. We patch only the copy in a build output, never the NuGet cache, and
// we write a new file and rename it over the old one so that a hard link to the cache is never modified.
using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class WeakenGlibcxxVersionNeed : Task
{
    [Required] public string Directory { get; set; } = "";
    public string LibraryName { get; set; } = "libLibTorchSharp.so";
    public string VersionName { get; set; } = "GLIBCXX_3.4.32";

    const uint ShtGnuVerneed = 0x6ffffffe;
    const ushort VerFlgWeak = 0x2;

    public override bool Execute()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux) || !System.IO.Directory.Exists(Directory)) return true;
        if (HostHasVersion(VersionName))
        {
            Log.LogMessage(MessageImportance.Low, $"Host libstdc++ provides {VersionName}; nothing to patch.");
            return true;
        }
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory, LibraryName, SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(path);
            int changed = Weaken(bytes, VersionName);
            if (changed < 0) { Log.LogWarning($"{path}: not a 64-bit little-endian ELF file; left alone."); continue; }
            if (changed == 0) continue; // already weak, or no such need: idempotent
            var tmp = path + ".apc-tmp";
            File.WriteAllBytes(tmp, bytes);
            // The original's time stays: with the same size and time MSBuild's copy (SkipUnchangedFiles) leaves the
            // patched file alone on the next build, instead of copying the unpatched one back over it and leaving a
            // moment in which an apc started beside the build cannot load it.
            File.SetLastWriteTimeUtc(tmp, File.GetLastWriteTimeUtc(path));
            File.Delete(path); // unlinks only this path: a hard-linked NuGet cache copy stays intact
            File.Move(tmp, path);
            Log.LogMessage(MessageImportance.High, $"apc: marked the {VersionName} requirement of {path} weak (host libstdc++ lacks it).");
        }
        return true;
    }

    static bool HostHasVersion(string version)
    {
        string[] dirs = { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu" };
        var needle = Encoding.ASCII.GetBytes(version + "\0");
        foreach (var dir in dirs)
        {
            var lib = Path.Combine(dir, "libstdc++.so.6");
            if (!File.Exists(lib)) continue;
            var data = File.ReadAllBytes(lib);
            return IndexOf(data, needle) >= 0;
        }
        return false;
    }

    /// <summary>Sets VER_FLG_WEAK on every version-need auxiliary entry named <paramref name="version"/>.
    /// Returns the number of entries changed, or -1 if the file is not ELF64 little-endian.</summary>
    public static int Weaken(byte[] elf, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F' || elf[4] != 2 || elf[5] != 1)
            return -1;
        ulong shoff = U64(elf, 0x28);
        int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
        int changed = 0;
        for (int i = 0; i < shnum; i++)
        {
            int sh = checked((int)shoff + i * shentsize);
            if (U32(elf, sh + 4) != ShtGnuVerneed) continue;
            int offset = checked((int)U64(elf, sh + 0x18));
            int strtab = checked((int)shoff + (int)U32(elf, sh + 0x28) * shentsize);
            int strOffset = checked((int)U64(elf, strtab + 0x18));
            int count = (int)U32(elf, sh + 0x2C);
            int vn = offset;
            for (int n = 0; n < count; n++)
            {
                int auxCount = U16(elf, vn + 2);
                int aux = vn + (int)U32(elf, vn + 8);
                for (int a = 0; a < auxCount; a++)
                {
                    string name = CString(elf, strOffset + (int)U32(elf, aux + 8));
                    ushort flags = U16(elf, aux + 4);
                    if (name == version && (flags & VerFlgWeak) == 0)
                    {
                        flags |= VerFlgWeak;
                        elf[aux + 4] = (byte)flags; elf[aux + 5] = (byte)(flags >> 8);
                        changed++;
                    }
                    uint next = U32(elf, aux + 12);
                    if (next == 0) break;
                    aux += (int)next;
                }
                uint nextVn = U32(elf, vn + 12);
                if (nextVn == 0) break;
                vn += (int)nextVn;
            }
        }
        return changed;
    }

    static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            int j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    static ushort U16(byte[] b, int o) => BitConverter.ToUInt16(b, o);
    static uint U32(byte[] b, int o) => BitConverter.ToUInt32(b, o);
    static ulong U64(byte[] b, int o) => BitConverter.ToUInt64(b, o);
    static string CString(byte[] b, int o) { int e = o; while (b[e] != 0) e++; return Encoding.ASCII.GetString(b, o, e - o); }
}
