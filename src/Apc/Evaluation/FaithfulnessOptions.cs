namespace Apc.Evaluation;

/// <summary>Settings of the deletion and insertion curves (<see cref="Faithfulness"/>).</summary>
/// <param name="Steps">Number of steps S ≥ 1; a curve has S + 1 points. Default 16.</param>
/// <param name="BaselineValue">Value a removed pixel takes, in the network's (normalised) input space;
/// 0 is the data set's mean colour. Ignored when <paramref name="BlurSigma"/> is set.</param>
/// <param name="BlurSigma">When set, a removed pixel takes the value of a Gaussian-blurred copy of the input
/// instead (standard deviation in pixels, &gt; 0), as RISE does for insertion.</param>
public sealed record FaithfulnessOptions(int Steps = 16, double BaselineValue = 0, double? BlurSigma = null);
