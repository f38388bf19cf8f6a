// example: matcher
using Apc.Matching;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Matching;

/// <summary>Matches the channel-wise maximum of the activations, M = max_k A_k, normalised and compared like the
/// other maps. The engine (<see cref="MapMatcher"/>) finds the layers, runs both networks and returns L_AM per layer;
/// the matcher only says how a layer's activation collapses to a map [P,H,W].</summary>
public sealed class MaxActivationMatcher(MatcherOptions options) : MapMatcher(options)
{
    protected override bool UsesSensitivities => false; // no ∂z/∂A needed, so no target classes either

    protected override Tensor TeacherMap(int layer, Tensor activation, Tensor? sensitivity) => activation.amax(new long[] { 1 });

    protected override Tensor StudentMap(int layer, Tensor activation, Tensor? sensitivity) => activation.amax(new long[] { 1 });

    /// <summary>Makes "--match max" work; --match-weight, --match-layers and the training loss apply unchanged.</summary>
    public static void Register() => Matchers.Register("max", options => new MaxActivationMatcher(options));
}
// end example

public class MaxActivationMatcherExampleTests
{
    static readonly Lazy<bool> registered = new(() => { MaxActivationMatcher.Register(); return true; });

    /// <summary>The registered matcher's loss, as the compression objective composes it, is β times the hand-computed
    /// mean squared difference of the normalised channel-maximum maps; zero for an exact copy.</summary>
    [Fact]
    public void TheRegisteredMatcherGivesBetaTimesTheHandComputedDistance()
    {
        _ = registered.Value;
        Assert.Equal("max", MatcherOptions.ParseKind("MAX"));
        var matcher = Matchers.Create(new MatcherOptions(MatcherOptions.ParseKind("max"), Weight: 3, Layers: LayerWeight.ParseList("pool5,pool4:0.5")));
        Assert.Equal("max", matcher.Name);
        using var teacher = MatchingNets.Frozen(MatchingNets.Create(seed: 1));
        using var student = MatchingNets.Create(MatchingNets.Narrow, seed: 2);
        using var copy = MatchingNets.CopyOf(teacher);
        student.eval(); copy.eval();
        var images = MatchingNets.Images();

        double loss = MatchingNets.MatchLoss(matcher, teacher, student, images).ToDouble();
        using var noGrad = no_grad();
        var (__, t) = teacher.ForwardCapturing(images, "pool5", "pool4");
        var (___, s) = student.ForwardCapturing(images, "pool5", "pool4");
        double Distance(string layer) =>
            (CollapsedMaps.Normalize(t[layer].amax(new long[] { 1 })) - CollapsedMaps.Normalize(s[layer].amax(new long[] { 1 })))
                .pow(2).mean().ToDouble();
        Assert.True(loss > 0);
        Assert.Equal(3 * (Distance("pool5") + 0.5 * Distance("pool4")), loss, 5);
        Assert.Equal(0, MatchingNets.MatchLoss(matcher, teacher, copy, images).ToDouble(), 9);
        Assert.Contains("--drop applies to --match wcam only",
            Assert.Throws<UsageException>(() => Matchers.Create(new MatcherOptions("max", Drop: 0.3))).Message);
    }
}
