using Spectre.Console.Cli;

namespace Apc.Cli.Commands;

/// <summary>Verbs beyond train/info/import (explain, evaluate, compress, experiment, demo, export) register here.</summary>
public static partial class CommandRegistry
{
    public static void AddMore(IConfigurator config)
    {
        AddEvaluationCommands(config);
        AddCompressionCommands(config);
        AddExperimentCommands(config);
        AddDeploymentCommands(config);
    }

    static partial void AddEvaluationCommands(IConfigurator config);
    static partial void AddCompressionCommands(IConfigurator config);
    static partial void AddExperimentCommands(IConfigurator config);
    static partial void AddDeploymentCommands(IConfigurator config);
}
