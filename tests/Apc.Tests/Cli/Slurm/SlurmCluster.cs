using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Apc.Tests.Cli.Slurm;

/// <summary>A real one-node Slurm cluster on this machine for the tests that need one: scripts/slurm-local.sh installs
/// Debian's slurm-wlm and munge when absent (as root), starts munged, slurmctld and slurmd in a temporary folder on free
/// ports, and stops exactly those daemons at the end. SLURM_CONF is set for this process, so apc's sbatch and squeue (and
/// the jobs, which inherit the environment) talk to it. If the cluster cannot start, every test that needs it fails
/// with the script's reason: none is skipped.</summary>
public sealed class SlurmCluster : IDisposable
{
    readonly string script;
    public string Folder { get; }
    public string? StartError { get; }

    public SlurmCluster()
    {
        Folder = Path.Combine(Path.GetTempPath(), "apc-slurm-test-" + Guid.NewGuid().ToString("N")[..8]);
        script = Path.Combine(RepositoryRoot(), "scripts", "slurm-local.sh");
        var (code, output, error) = Run("start", FreePortPair());
        var conf = Path.Combine(Folder, "slurm.conf");
        if (code != 0 || !File.Exists(conf))
            StartError = $"the local Slurm cluster did not start (scripts/slurm-local.sh start {Folder}, exit {code}): {error.Trim()} {output.Trim()}";
        else
            Environment.SetEnvironmentVariable("SLURM_CONF", conf);
    }

    /// <summary>Fails the calling test with the reason when the cluster is not up.</summary>
    public void Require() => Assert.True(StartError is null, StartError);

    public void Dispose()
    {
        Run("stop", null);
        Environment.SetEnvironmentVariable("SLURM_CONF", null);
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    (int Code, string Output, string Error) Run(string action, int? port)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(action);
        info.ArgumentList.Add(Folder);
        if (port is { } p) info.Environment["APC_SLURM_PORT"] = p.ToString();
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }

    /// <summary>A port p with p and p + 1 free (slurmctld's and slurmd's), so that a cluster already running here is left alone.</summary>
    static int FreePortPair()
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            var first = new TcpListener(IPAddress.Loopback, 0);
            first.Start();
            int port = ((IPEndPoint)first.LocalEndpoint).Port;
            try
            {
                if (port >= 65535) continue;
                var second = new TcpListener(IPAddress.Any, port + 1);
                try { second.Start(); second.Stop(); return port; }
                catch (SocketException) { }
            }
            finally { first.Stop(); }
        }
        throw new InvalidOperationException("no two adjacent free ports found for the test cluster.");
    }

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "slurm-local.sh"))) return dir.FullName;
        throw new InvalidOperationException("scripts/slurm-local.sh not found above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition("slurm")]
public sealed class SlurmCollection : ICollectionFixture<SlurmCluster>;
