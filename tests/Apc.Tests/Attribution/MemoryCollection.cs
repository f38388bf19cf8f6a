namespace Apc.Tests.Attribution;

/// <summary>Tests that measure the process's memory run after the parallel ones, alone: tests running beside them would
/// allocate into the same working set.</summary>
[CollectionDefinition(nameof(MemoryCollection), DisableParallelization = true)]
public sealed class MemoryCollection;
