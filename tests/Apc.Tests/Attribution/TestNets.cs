using Apc.Compression.Pruning;
using Apc.Data;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Attribution;

/// <summary>Small seeded networks and inputs for the attribution tests.</summary>
internal static class TestNets
{
    public const string Vgg = "vgg11-bn:w=1/8";
    public const string ResNet = "resnet18:w=1/8";
    /// <summary>VGG without pool4 (block 5 at 4x4, pool5 2x2 at 32 px).</summary>
    public const string VggSkipPools = "vgg11-bn:w=1/8:skip-pools=4";
    public const int Classes = 5;
    public const int Size = 32;

    /// <summary>Pixels in [0,1] normalised like this give inputs inside the z^B box.</summary>
    public static readonly Normalization Normalization = new(new[] { 0.46f, 0.44f, 0.40f }, new[] { 0.22f, 0.22f, 0.22f });

    /// <summary>A network in eval mode whose every parameter and batch-norm statistic is drawn from a generator seeded
    /// with <paramref name="seed"/> (not the global one, which tests running in parallel share). Batch-norm statistics
    /// and affine parameters are random (fresh ones are the identity, which would hide folding mistakes); the
    /// classifier's scale gives logits of order 1. With <paramref name="zeroBiases"/> every bias after folding is zero
    /// (BN mean and shift 0, linear bias 0).</summary>
    public static ClassifierNet Build(string arch, int seed = 0, bool zeroBiases = false)
    {
        var model = ModelFactory.Create(new ModelConfig(ArchSpec.Parse(arch), 3, Classes, Size));
        using var g = new Generator((ulong)seed + 1000);
        using (no_grad())
        {
            foreach (var (_, module) in model.named_modules())
            {
                switch (module)
                {
                    case TorchSharp.Modules.Conv2d conv:
                        var w = conv.weight!;
                        w.normal_(0, Math.Sqrt(2.0 / (w.shape[1] * w.shape[2] * w.shape[3])), g);
                        conv.bias?.zero_();
                        break;
                    case TorchSharp.Modules.BatchNorm2d bn:
                        bn.weight!.uniform_(0.5, 1.5, g);
                        bn.running_var!.uniform_(0.5, 2.0, g);
                        if (zeroBiases) { bn.bias!.zero_(); bn.running_mean!.zero_(); }
                        else { bn.bias!.uniform_(-0.2, 0.2, g); bn.running_mean!.uniform_(-0.2, 0.2, g); }
                        break;
                    case TorchSharp.Modules.Linear linear:
                        linear.weight!.normal_(0, 0.05, g);
                        if (zeroBiases) linear.bias!.zero_(); else linear.bias!.uniform_(-0.3, 0.3, g);
                        break;
                }
            }
        }
        model.eval();
        return model;
    }

    /// <summary>Images drawn uniformly in pixel space [0,1] and normalised with <see cref="Normalization"/>.</summary>
    public static Tensor Inputs(int batch, int seed = 1)
    {
        using var generator = new Generator((ulong)seed);
        using var pixels = rand(new long[] { batch, 3, Size, Size }, generator: generator);
        var mean = tensor(Normalization.Mean).reshape(1, 3, 1, 1);
        var std = tensor(Normalization.Std).reshape(1, 3, 1, 1);
        var result = ((pixels - mean) / std).DetachFromDisposeScope();
        mean.Dispose(); std.Dispose();
        return result;
    }

    public static Tensor Targets(params long[] classes) => tensor(classes);

    public static float[] Values(Tensor t) => t.detach().cpu().contiguous().to_type(ScalarType.Float32).data<float>().ToArray();

    public static double MaxAbs(Tensor t) => t.abs().max().item<float>();

    /// <summary>Max |a − b| relative to max(1e-12, max |b|).</summary>
    public static double RelativeError(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        return (actual - expected).abs().max().item<float>() / Math.Max(1e-12, expected.abs().max().item<float>());
    }

    /// <summary>A fraction of the filters of every prunable conv removed by L1 surgery; the given model is disposed and
    /// the pruned one (in eval mode) returned.</summary>
    public static ClassifierNet PruneChannels(ClassifierNet model, double ratio)
    {
        var ratios = PruningDependencies.Groups(model).ToDictionary(g => g.Conv, _ => ratio);
        var pruned = ChannelSurgery.Apply(model,
            PruningPlan.FromRatios(model, L1FilterCriterion.Instance, ratios));
        model.Dispose();
        pruned.eval();
        return pruned;
    }

    /// <summary>A fraction of the conv and linear weights zeroed in place by one global magnitude threshold.</summary>
    public static void PruneWeights(ClassifierNet model, double sparsity)
    {
        var names = MagnitudePruning.PrunableParameters(model, includeLinear: true);
        long total = MagnitudePruning.Sparsity(model, names).Total;
        var masks = MagnitudePruning.GlobalMasks(model, names, MagnitudePruning.PrunedCount(sparsity, total));
        MagnitudePruning.Apply(model, masks);
        foreach (var m in masks.Values) m.Dispose();
    }
}

/// <summary>A hand-made network: a list of named layers with weights the test sets, for checking rules against
/// explicit loops.</summary>
internal sealed class SequentialNet : ClassifierNet
{
    readonly List<ModelNode> nodes = new();

    public SequentialNet(int inChannels, int classes, int size, params (string Name, LayerKind Kind, nn.Module<Tensor, Tensor> Module)[] layers)
        : base("SequentialNet", new ModelConfig(new ArchSpec("test", 0), inChannels, classes, size))
    {
        foreach (var (name, kind, module) in layers)
        {
            register_module(name, module);
            nodes.Add(new LayerNode(name, kind, module));
        }
        eval();
    }

    public override IReadOnlyList<ModelNode> Nodes => nodes;
    public override string DefaultAttributionLayer => nodes[0].Name;
    public override string DefaultMatchingLayer => nodes[0].Name;
}
