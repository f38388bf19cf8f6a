// Before anything computes: oneDNN reads its instruction-set cap once (see OneDnnCacheWorkaround).
Apc.Util.OneDnnCacheWorkaround.Apply();
return Apc.Cli.ApcApp.Run(args);
