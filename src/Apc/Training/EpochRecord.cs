namespace Apc.Training;

/// <summary>One line of training history. Metric values are fractions in [0,1].</summary>
public sealed record EpochRecord(
    int Epoch,
    double LearningRate,
    double TrainLoss,
    IReadOnlyDictionary<string, double> LossParts,
    double MapPerClass,
    double MapPerImage,
    double F1,
    double Accuracy,
    double Seconds,
    bool Best)
{
    /// <summary>The four scores result files report.</summary>
    public Evaluation.PredictionScores Scores => new(MapPerClass, MapPerImage, F1, Accuracy);
}
