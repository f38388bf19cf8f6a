using Apc.Data;
using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Training;

/// <summary>What training minimises for one batch. The plain teacher uses <see cref="MultiLabelLoss"/>;
/// compression adds distillation and attribution matching terms.</summary>
public interface ITrainingObjective
{
    /// <summary>Returns the scalar loss (attached to the graph). <paramref name="images"/> and <paramref name="labels"/>
    /// are on the model's device. Named parts (e.g. "bce", "kd", "match") may be added to <paramref name="parts"/>
    /// as plain numbers for display and history.</summary>
    Tensor Loss(ClassifierNet model, Tensor images, Tensor labels, IDictionary<string, double> parts);
}
