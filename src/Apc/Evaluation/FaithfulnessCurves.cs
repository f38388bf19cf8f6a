namespace Apc.Evaluation;

/// <summary>Deletion or insertion curves of a batch (<see cref="Faithfulness"/>).</summary>
/// <param name="Fractions">x of each point: the share of pixels removed (deletion) or added (insertion),
/// from 0 to 1, length S + 1.</param>
/// <param name="Scores">Scores[b][s] = sigmoid of sample b's target logit after step s.</param>
/// <param name="Auc">Per sample, the trapezoid area under the curve over x in [0,1]: low is faithful for
/// deletion, high is faithful for insertion.</param>
public sealed record FaithfulnessCurves(double[] Fractions, double[][] Scores, double[] Auc);
