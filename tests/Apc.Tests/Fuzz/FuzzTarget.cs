namespace Apc.Tests.Fuzz;

/// <summary>One parser under fuzzing: valid <see cref="Seeds"/> to mutate, how to mutate one, and how to feed an
/// input to the parser (<see cref="Run"/> gets the input and a scratch folder to write it into).</summary>
internal sealed record FuzzTarget(string Name, IReadOnlyList<byte[]> Seeds, Func<byte[], Random, byte[]> Mutate, Action<byte[], string> Run)
{
    public override string ToString() => Name;
}
