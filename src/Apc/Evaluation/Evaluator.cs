using System.Diagnostics;
using Apc.Attribution;
using Apc.Data;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Evaluation;

/// <summary>Runs a model (and optionally a reference model, e.g. the teacher) over a split with masks and
/// measures prediction quality and, for every attribution method, localisation and teacher–student
/// consistency, following method.md §4: maps are computed per (image, class) pair for every class present
/// in the image, and only the pairs that the evaluated model predicts correctly (logit &gt; 0) are scored.
/// Consistency compares both models' maps for the same pair, and is defined only on the pairs the reference
/// also predicts correctly: where the reference rejects the class, its map explains a negative logit (LRP and RAP
/// maps then flip sign), so the comparison says nothing about whether the models explain alike. Those pairs get
/// NaN consistency and are left out of its means (counted in evaluation.json's consistency "pairs").</summary>
public static class Evaluator
{
    /// <summary>Prediction, localisation and (with a reference) consistency scores of a model on a data set (method.md §4; docs/evaluation.md).</summary>
    public static EvaluationReport Evaluate(
        ClassifierNet model, string modelName, ClassifierNet? reference, string? referenceName,
        IDataset data, EvaluationOptions options, Device device, Action<int, int>? progress = null)
    {
        model.eval();
        reference?.eval();
        return Evaluate(new TorchClassifier(model), modelName, reference is null ? null : new TorchClassifier(reference), referenceName,
            data, options, progress);
    }

    /// <summary>The same evaluation for models seen as functions from images to logits (an ONNX export in ONNX Runtime,
    /// or a <see cref="TorchClassifier"/>). Gradient methods need a <see cref="TorchClassifier"/> (its network); on other
    /// models only the perturbation methods (<see cref="AttributionMethods.PerturbationNames"/>) run. The progress
    /// callback gets (images scored so far, data.Count): it moves within a batch as each method's maps of each chunk of
    /// pairs are done, never backwards, and ends at data.Count.</summary>
    public static EvaluationReport Evaluate(
        IImageClassifier model, string modelName, IImageClassifier? reference, string? referenceName,
        IDataset data, EvaluationOptions options, Action<int, int>? progress = null)
    {
        if (!data.HasMasks)
            throw new ApcException($"data set split '{data.Name}' has no localisation masks; evaluate on a split with masks (fashion-scenes val, VOC seg-val).");
        CheckCompatible(model.Config, data, "--model");
        if (reference is not null) CheckCompatible(reference.Config, data, "--reference");
        if (options.BatchSize < 1) throw new UsageException($"--batch-size must be at least 1 (got {options.BatchSize}).");
        var attribution = (options.Attribution ?? new AttributionOptions()) with { Normalization = data.Normalization };
        var methods = options.Methods.Select(m => AttributionMethods.Create(m, attribution)).ToList();
        foreach (var (side, name) in new[] { (model, "--model"), (reference, "--reference") })
            if (side is not null and not TorchClassifier && methods.FirstOrDefault(m => m is not IPerturbationMethod) is { } gradient)
                throw new ApcException($"{name}: method '{gradient.Name}' needs gradients, which an ONNX model does not give; " +
                    $"on ONNX models use {string.Join(" or ", AttributionMethods.PerturbationNames)}.");
        var clock = Stopwatch.StartNew();

        var scores = methods.Select(_ => new AttributionScores()).ToList();
        var referenceScores = methods.Select(_ => new AttributionScores()).ToList();
        var pairRecords = methods.Select(_ => new PairRecorder(withConsistency: reference is not null)).ToList();
        var allLogits = new List<Tensor>();
        var allReferenceLogits = new List<Tensor>();
        var allLabels = new List<Tensor>();
        var order = Enumerable.Range(0, data.Count).ToArray();
        int done = 0;
        try
        {
            foreach (var batch in BatchLoader.Iterate(data, order, options.BatchSize, augment: false, seed: 0, epoch: 0, withMasks: true))
            {
                using (batch)
                using (var scope = NewDisposeScope())
                {
                    var images = batch.Images;
                    var logits = model.Logits(images);
                    var referenceLogits = reference?.Logits(images) ?? logits;
                    allLogits.Add(logits.clone().DetachFromDisposeScope());
                    if (reference is not null) allReferenceLogits.Add(referenceLogits.clone().DetachFromDisposeScope());
                    allLabels.Add(batch.Labels.clone().DetachFromDisposeScope());

                    // Pairs (image b, class k): present in the image and predicted by the model.
                    var correct = batch.Labels.gt(0.5f).logical_and(logits.gt(0));
                    var pairs = correct.nonzero();
                    if (pairs.shape[0] > 0)
                    {
                        var b = pairs[.., 0];
                        var k = pairs[.., 1];
                        var imageIndex = (b + done).to_type(ScalarType.Int32).data<int>().ToArray(); // order is the identity: batch offset + row
                        var classIndex = k.to_type(ScalarType.Int32).data<int>().ToArray();
                        var masks = batch.Masks!.index(new TensorIndex[] { TensorIndex.Tensor(b), TensorIndex.Tensor(k) });
                        var referencePredicts = referenceLogits.index(new TensorIndex[] { TensorIndex.Tensor(b), TensorIndex.Tensor(k) }).gt(0).data<bool>().ToArray();
                        // Progress moves after each method of each chunk of pairs, not only per batch of images: with
                        // slow methods (RISE) and few images a batch is the whole run. Steps + 1 so the batch's own
                        // end (below) is the last step.
                        long steps = (b.shape[0] + options.BatchSize - 1) / options.BatchSize * Math.Max(1, methods.Count) + 1, step = 0;
                        for (int start = 0; start < b.shape[0]; start += options.BatchSize)
                        {
                            using var chunkScope = NewDisposeScope();
                            long end = Math.Min(b.shape[0], start + options.BatchSize);
                            var bi = b[start..(int)end];
                            var inputs = images.index_select(0, bi);
                            var targets = k[start..(int)end];
                            var chunkMasks = masks[start..(int)end];
                            for (int m = 0; m < methods.Count; m++)
                            {
                                var maps = Attribute(methods[m], model, inputs, targets);
                                var method = methods[m];
                                Tensor? referenceMaps = reference is null ? null
                                    : options.ReferenceMaps is { } cache ? cache.Maps(method, attribution, inputs, targets, (x, t) => Attribute(method, reference, x, t))
                                    : Attribute(method, reference, inputs, targets);
                                var (pointing, auc, consistency) = Score(scores[m], maps, chunkMasks, referenceMaps, referencePredicts[start..(int)end], options, model, inputs, targets);
                                pairRecords[m].Add(imageIndex[start..(int)end], classIndex[start..(int)end], pointing, auc, consistency);
                                if (referenceMaps is not null) Score(referenceScores[m], referenceMaps, chunkMasks, null, null, options with { Faithfulness = false }, reference!, inputs, targets);
                                progress?.Invoke(done + (int)(batch.Size * ++step / steps), data.Count);
                            }
                        }
                    }
                    done += batch.Size;
                    progress?.Invoke(done, data.Count);
                }
            }
            using var predictionLogits = cat(allLogits, 0);
            using var labels = cat(allLabels, 0);
            using var refLogits = reference is null ? null : cat(allReferenceLogits, 0);
            var prediction = PredictionMetrics.Compute(predictionLogits, labels, refLogits);
            var referencePrediction = refLogits is null ? null : PredictionMetrics.Compute(refLogits, labels);
            var evaluations = methods.Select((m, i) => new MethodEvaluation(m.Name, scores[i].Summarize(),
                reference is null ? null : referenceScores[i].Summarize(), pairRecords[i].ToRecords())).ToList();
            var skipped = prediction.SkippedClasses.Select(c => data.ClassNames[c]).ToList();
            return new EvaluationReport(modelName, referenceName, data.Name, data.Count, prediction, referencePrediction,
                evaluations, skipped, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            foreach (var t in allLogits.Concat(allReferenceLogits).Concat(allLabels)) t.Dispose();
        }
    }

    /// <summary>Maps on the CPU: perturbation methods through the model function, gradient methods on the network's device.</summary>
    static Tensor Attribute(IAttributionMethod method, IImageClassifier model, Tensor inputs, Tensor targets)
    {
        if (method is IPerturbationMethod perturbation) return perturbation.Attribute(model, inputs, targets);
        var network = ((TorchClassifier)model).Network;
        var device = network.parameters().First().device;
        return method.Attribute(network, inputs.to(device), targets.to(device)).cpu();
    }

    static (bool[] Pointing, double[] Auc, ConsistencyScores? Consistency) Score(AttributionScores into, Tensor maps, Tensor masks, Tensor? referenceMaps,
        bool[]? referencePredicts, EvaluationOptions options, IImageClassifier model, Tensor inputs, Tensor targets)
    {
        int n = (int)maps.shape[0];
        var pointing = Pointing.Compute(maps, masks, options.PointingTolerance);
        var auc = PixelAuc.Compute(maps, masks);
        var energy = EnergyPointing.Compute(maps, masks);
        var consistency = referenceMaps is null ? null : Consistency.Compute(referenceMaps, maps, options.TopPercent).Where(referencePredicts!);
        FaithfulnessCurves? deletion = null, insertion = null;
        if (options.Faithfulness)
        {
            var faith = new FaithfulnessOptions(options.FaithfulnessSteps);
            Tensor LogitsOf(Tensor x) => model.Logits(x);
            deletion = Faithfulness.Deletion(LogitsOf, inputs.cpu(), targets.cpu(), maps, faith);
            insertion = Faithfulness.Insertion(LogitsOf, inputs.cpu(), targets.cpu(), maps, faith);
        }
        into.Add(n, pointing, auc, energy, consistency, deletion, insertion);
        into.AddPointingChance(Pointing.Chance(masks));
        return (pointing, auc, consistency);
    }

    /// <summary>A model evaluated on a data set must take its images and predict its classes.</summary>
    public static void CheckCompatible(ClassifierNet model, IDataset data, string option) => CheckCompatible(model.Config, data, option);

    /// <summary>Throws a one-line <see cref="ApcException"/> when a model of input and output sizes <paramref name="c"/> cannot run on <paramref name="data"/>; <paramref name="option"/> names the model in the message.</summary>
    public static void CheckCompatible(ModelConfig c, IDataset data, string option)
    {
        // The data follow --model (its image size), so a --reference that differs must be told apart from a bad --dataset.
        bool isReference = option == "--reference";
        string which = isReference ? "the reference model" : "the model";
        if (c.InChannels != data.Shape.Channels || c.ImageSize != data.Shape.Height || c.ImageSize != data.Shape.Width)
            throw new ApcException($"{option}: {which} takes {c.InChannels}x{c.ImageSize}x{c.ImageSize} images but data set " +
                $"'{data.Name}' gives {data.Shape}; " + (isReference
                    ? "the images are prepared for --model, so --reference must take the same input as --model."
                    : "pass a matching --dataset/--image-size."));
        if (c.NumClasses != data.ClassNames.Count)
            throw new ApcException($"{option}: {which} predicts {c.NumClasses} classes but data set '{data.Name}' has {data.ClassNames.Count}" +
                (isReference ? "; --reference must predict the classes of --model." : "."));
    }
}
