using Apc.Data;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Training;

/// <summary>Batched evaluation-mode forward passes over a whole split.</summary>
public static class Inference
{
    /// <summary>Logits [N,K] and labels [N,K] of every item of <paramref name="data"/>, on the CPU, in item order.</summary>
    public static (Tensor Logits, Tensor Labels) Predict(ClassifierNet model, IDataset data, int batchSize, Device device)
    {
        var wasTraining = model.training;
        model.eval();
        var logits = new List<Tensor>();
        var labels = new List<Tensor>();
        try
        {
            using var _ = no_grad();
            var order = Enumerable.Range(0, data.Count).ToArray();
            foreach (var batch in BatchLoader.Iterate(data, order, batchSize, augment: false, seed: 0, epoch: 0, withMasks: false))
            {
                using (batch)
                using (var scope = NewDisposeScope())
                {
                    logits.Add(model.call(batch.Images.to(device)).cpu().MoveToOuterDisposeScope());
                    labels.Add(batch.Labels.clone().MoveToOuterDisposeScope());
                }
            }
            return (cat(logits, 0), cat(labels, 0));
        }
        finally
        {
            foreach (var t in logits.Concat(labels)) t.Dispose();
            model.train(wasTraining);
        }
    }
}
