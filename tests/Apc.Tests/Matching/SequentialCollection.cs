namespace Apc.Tests.Matching;

/// <summary>Tests that seed torch's global random generator (model initialisation, dropout masks) and depend on
/// what it draws. xunit runs test classes in parallel; a test of another class drawing from the same global
/// generator at the same time would change the draws, so these run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SequentialCollection
{
    public const string Name = "torch global generator (sequential)";
}
