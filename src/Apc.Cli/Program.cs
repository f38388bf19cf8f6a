// Before anything computes: oneDNN reads its instruction-set cap once (see OneDnnCacheWorkaround).
Apc.Util.OneDnnCacheWorkaround.Apply();
// libtorch's C++ warnings from ERROR up, or as TORCH_CPP_LOG_LEVEL says (see LibTorchLog).
if (!Apc.Util.LibTorchLog.Apply() && Apc.Util.LibTorchLog.Level(Environment.GetEnvironmentVariable(Apc.Util.LibTorchLog.Variable)) is null)
    Console.Error.WriteLine($"apc: {Apc.Util.LibTorchLog.Variable}='{Environment.GetEnvironmentVariable(Apc.Util.LibTorchLog.Variable)}' is not INFO, WARNING, ERROR or FATAL (or 0-3); libtorch's default, WARNING, applies.");
return Apc.Cli.ApcApp.Run(args);
