using Apc.Evaluation;
using Apc.Models;
using static TorchSharp.torch;

namespace Apc.Tests.Evaluation;

public class EvaluationProgressTests
{
    /// <summary>With fewer images than one batch, progress still moves as each method's maps are done (it used to move
    /// once, at the end), never goes backwards, and ends at the number of images.</summary>
    [Fact]
    public void ProgressMovesWithinABatchAndEndsAtTheImageCount()
    {
        var data = new TinyDataset(16, seed: 3);
        using var model = ModelFactory.Create(new ModelConfig(ArchSpec.Parse("vgg11-bn:w=1/16"), 1, 4, 32));
        // Every class predicted, so every present class is a scored pair (about 1.6 per image).
        using (no_grad()) model.named_parameters().Last(p => p.name.EndsWith("bias")).parameter.fill_(10);
        var calls = new List<(int Done, int Total)>();
        var report = Evaluator.Evaluate(model, "m", null, null, data, new EvaluationOptions(["gradcam", "lrp"], BatchSize: 64), CPU,
            (done, total) => calls.Add((done, total)));
        Assert.True(report.Attribution.All(m => m.Summary.Pairs > 0), "no scored pairs: the test would not exercise the chunks");
        Assert.Equal(3, calls.Count); // one chunk of pairs × two methods, then the batch's end
        Assert.All(calls, c => Assert.Equal(16, c.Total));
        Assert.Equal(calls.Select(c => c.Done).Order(), calls.Select(c => c.Done));
        Assert.True(calls[0].Done < 16);
        Assert.Equal(16, calls[^1].Done);
    }
}
