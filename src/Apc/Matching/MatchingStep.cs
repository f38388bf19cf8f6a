using static TorchSharp.torch;

namespace Apc.Matching;

/// <summary>What <see cref="IAttributionMatcher.Step"/> computed for one batch.</summary>
/// <param name="StudentLogits">[B,K], attached to the student's graph.</param>
/// <param name="TeacherLogits">[B,K], detached; null when the matcher did not run the teacher (none).</param>
/// <param name="Loss">β·L_AM, a scalar attached to the student's graph (a constant zero for none).</param>
public sealed record MatchingStep(Tensor StudentLogits, Tensor? TeacherLogits, Tensor Loss);
