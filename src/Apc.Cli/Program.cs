return Apc.Cli.ApcApp.Run(args);
