// Before anything computes: oneDNN reads its instruction-set cap once (see OneDnnCacheWorkaround).
Apc.Util.OneDnnCacheWorkaround.Apply();
// libtorch's C++ warnings from ERROR up, or as TORCH_CPP_LOG_LEVEL says (see LibTorchLog).
Apc.Util.LibTorchLog.Apply();
return Apc.Cli.ApcApp.Run(args);
