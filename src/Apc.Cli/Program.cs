// Before anything computes: oneDNN reads its instruction-set cap once (see OneDnnCacheWorkaround).
Apc.Util.OneDnnCacheWorkaround.Apply();
// libtorch's C++ warnings from ERROR up, or as TORCH_CPP_LOG_LEVEL says (see LibTorchLog).
if (!Apc.Util.LibTorchLog.Apply() && Apc.Util.LibTorchLog.UnknownValueMessage() is { } unknown)
    Console.Error.WriteLine(unknown);
return Apc.Cli.ApcApp.Run(args);
