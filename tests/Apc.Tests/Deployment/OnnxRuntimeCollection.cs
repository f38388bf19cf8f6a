namespace Apc.Tests.Deployment;

/// <summary>Tests that run ONNX Runtime sessions run alone, never beside TorchSharp-heavy tests of other classes: both
/// native runtimes keep their own thread pools, and once in three full runs on the 2-core machine the test host
/// crashed natively right after an ONNX Runtime test (not reproduced alone or under --blame).</summary>
[CollectionDefinition(nameof(OnnxRuntimeCollection), DisableParallelization = true)]
public sealed class OnnxRuntimeCollection;
