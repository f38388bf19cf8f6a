// Torch's random generator and thread pool are process-wide: tests that seed it and train must not
// interleave with other tests, or "deterministic for a seed" cannot be checked. Run test classes one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
