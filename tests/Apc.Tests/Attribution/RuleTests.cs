using Apc.Attribution.Propagation;
using Apc.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Apc.Tests.Attribution;

/// <summary>Each rule against its formula written out as loops over a small layer with known weights.</summary>
public class RuleTests
{
    static readonly double[,] W = { { 1, -2, 0.5 }, { -0.5, 1, 1.5 } }; // [out, in]
    static readonly double[] B = { 0.3, -0.2 };
    static readonly double[,] SignedX = { { 0.5, -1.0, 2.0 }, { 1.5, 0.0, 0.25 } };
    static readonly double[,] PositiveX = { { 0.5, 1.0, 2.0 }, { 1.5, 0.0, 0.25 } };
    static readonly double[,] R = { { 1.0, 0.5 }, { -0.7, 2.0 } };

    /// <summary>Rule applied to the linear layer of flatten → fc(3→2) with the weights above.</summary>
    static double[,] Apply(IPropagationRule rule, double[,] x)
    {
        using var scope = NewDisposeScope();
        var linear = nn.Linear(3, 2);
        using (no_grad())
        {
            linear.weight!.copy_(ToTensor(W));
            linear.bias!.copy_(tensor(B.Select(v => (float)v).ToArray()));
        }
        using var net = new SequentialNet(3, 2, 1, ("flatten", LayerKind.Flatten, nn.Flatten()), ("fc", LayerKind.Linear, linear));
        using var network = CanonicalNetwork.From(net);
        var result = rule.Propagate(network.Nodes[1], ToTensor(x), ToTensor(R));
        return ToArray(result, 2, 3);
    }

    static double C(double[,] x, int b, int i, int j) => x[b, i] * W[j, i];

    static double[,] Expected(double[,] x, Func<double[,], int, int, int, double> share)
    {
        var result = new double[2, 3];
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 2; j++)
                    result[b, i] += share(x, b, i, j) * R[b, j];
        return result;
    }

    static double Sum(int count, Func<int, double> term) => Enumerable.Range(0, count).Sum(term);

    /// <summary>The rules' convention: nothing flows through a zero denominator (there is no contribution to share).</summary>
    static double Ratio(double numerator, double denominator) => denominator == 0 ? 0 : numerator / denominator;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AlphaOneBetaZero(bool signed)
    {
        var x = signed ? SignedX : PositiveX;
        var expected = Expected(x, (x, b, i, j) =>
            Math.Max(C(x, b, i, j), 0) / (Sum(3, k => Math.Max(C(x, b, k, j), 0)) + Math.Max(B[j], 0)));
        AssertClose(expected, Apply(new AlphaBetaRule(1, 0), x));
    }

    [Fact]
    public void AlphaTwoBetaOne()
    {
        var expected = Expected(SignedX, (x, b, i, j) =>
            Ratio(2 * Math.Max(C(x, b, i, j), 0), Sum(3, k => Math.Max(C(x, b, k, j), 0)) + Math.Max(B[j], 0))
            - Ratio(Math.Min(C(x, b, i, j), 0), Sum(3, k => Math.Min(C(x, b, k, j), 0)) + Math.Min(B[j], 0)));
        AssertClose(expected, Apply(new AlphaBetaRule(2, 1), SignedX));
    }

    [Fact]
    public void Epsilon()
    {
        var expected = Expected(SignedX, (x, b, i, j) =>
        {
            var z = Sum(3, k => C(x, b, k, j)) + B[j];
            return C(x, b, i, j) / (z + 0.1 * (z >= 0 ? 1 : -1));
        });
        AssertClose(expected, Apply(new EpsilonRule(0.1), SignedX));
    }

    [Fact]
    public void BoundedInput()
    {
        float[] low = { -1, -2, -1 }, high = { 1, 1, 3 };
        double Term(double[,] x, int b, int k, int j) => x[b, k] * W[j, k] - low[k] * Math.Max(W[j, k], 0) - high[k] * Math.Min(W[j, k], 0);
        var expected = Expected(SignedX, (x, b, i, j) => Term(x, b, i, j) / Sum(3, k => Term(x, b, k, j)));
        AssertClose(expected, Apply(new BoundedInputRule(low, high), SignedX));
    }

    [Fact]
    public void ExcitationAndContrastiveExcitation()
    {
        double Share(double[,] x, int b, int i, int j, int sign) =>
            Ratio(Math.Max(x[b, i], 0) * Math.Max(sign * W[j, i], 0), Sum(3, k => Math.Max(x[b, k], 0) * Math.Max(sign * W[j, k], 0)));
        var excitation = Expected(PositiveX, (x, b, i, j) => Share(x, b, i, j, 1));
        AssertClose(excitation, Apply(ExcitationRule.Instance, PositiveX));
        var contrastive = Expected(PositiveX, (x, b, i, j) => Share(x, b, i, j, 1) - Share(x, b, i, j, -1));
        AssertClose(contrastive, Apply(ContrastiveExcitationRule.Instance, PositiveX));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RapSeparatesThenShiftsUniformly(bool signed)
    {
        var x = signed ? SignedX : PositiveX;
        var spread = Expected(x, (x, b, i, j) =>
        {
            double relevant = Sum(3, k => Math.Max(C(x, b, k, j), 0)), opposing = Sum(3, k => -Math.Min(C(x, b, k, j), 0));
            return Math.Max(C(x, b, i, j), 0) / relevant - Math.Min(C(x, b, i, j), 0) / (relevant + opposing);
        });
        var expected = new double[2, 3];
        for (int b = 0; b < 2; b++)
        {
            var receivers = Enumerable.Range(0, 3).Where(i => spread[b, i] != 0).ToList();
            var excess = Sum(3, i => spread[b, i]) - Sum(2, j => R[b, j]);
            foreach (var i in receivers) expected[b, i] = spread[b, i] - excess / receivers.Count;
        }
        var actual = Apply(RapRule.Instance, x);
        AssertClose(expected, actual);
        for (int b = 0; b < 2; b++) Assert.Equal(Sum(2, j => R[b, j]), Sum(3, i => actual[b, i]), 5);
    }

    [Fact]
    public void RapSplitTreatsTheAdditionAsAUnitWeightLayer()
    {
        // Two samples, three positions; per position the inputs are (main, shortcut) with weights 1.
        double[,] main = { { 2, -1, 0 }, { 0.5, 3, -2 } }, shortcut = { { -0.5, 2, 1 }, { 0, -1, 4 } }, r = { { 1, 0.4, 2 }, { -1, 1, 0.5 } };
        var spread = new double[2, 2, 3]; // [sample, branch, position]
        for (int b = 0; b < 2; b++)
            for (int p = 0; p < 3; p++)
            {
                double[] c = { main[b, p], shortcut[b, p] };
                double relevant = c.Sum(v => Math.Max(v, 0)), influence = c.Sum(Math.Abs);
                for (int k = 0; k < 2; k++)
                    spread[b, k, p] = Ratio(Math.Max(c[k], 0) * r[b, p], relevant) + Ratio(-Math.Min(c[k], 0) * r[b, p], influence);
            }
        using var scope = NewDisposeScope();
        var (gotMain, gotShortcut) = RapSplit.Instance.Split(ToTensor(main), ToTensor(shortcut), ToTensor(r));
        var (m, s) = (ToArray(gotMain, 2, 3), ToArray(gotShortcut, 2, 3));
        for (int b = 0; b < 2; b++)
        {
            var receivers = new List<(int K, int P)>();
            for (int k = 0; k < 2; k++) for (int p = 0; p < 3; p++) if (spread[b, k, p] != 0) receivers.Add((k, p));
            double excess = receivers.Sum(t => spread[b, t.K, t.P]) - Sum(3, p => r[b, p]);
            for (int k = 0; k < 2; k++)
                for (int p = 0; p < 3; p++)
                {
                    double expected = spread[b, k, p] == 0 ? 0 : spread[b, k, p] - excess / receivers.Count;
                    Assert.Equal(expected, k == 0 ? m[b, p] : s[b, p], 5);
                }
        }
    }

    [Fact]
    public void RapAbsoluteInfluence()
    {
        var expected = Expected(SignedX, (x, b, i, j) => Math.Abs(C(x, b, i, j)) / Sum(3, k => Math.Abs(C(x, b, k, j))));
        AssertClose(expected, Apply(AbsoluteInfluenceRule.Instance, SignedX));
    }

    [Fact]
    public void AlphaOneBetaZeroOnAFoldedStridedConvolution()
    {
        // conv(2→3, 3x3, stride 2, padding 1) + batch norm on a 5x5 input: folding, geometry and rule together.
        using var scope = NewDisposeScope();
        using var g = new Generator(7);
        var conv = nn.Conv2d(2, 3, 3, stride: 2, padding: 1);
        var bn = nn.BatchNorm2d(3);
        using (no_grad())
        {
            conv.weight!.normal_(0, 1, g);
            conv.bias!.uniform_(-0.5, 0.5, g);
            bn.weight!.uniform_(0.5, 1.5, g);
            bn.bias!.uniform_(-0.5, 0.5, g);
            bn.running_mean!.uniform_(-0.5, 0.5, g);
            bn.running_var!.uniform_(0.5, 2, g);
        }
        using var net = new SequentialNet(2, 3, 5, ("conv", LayerKind.Conv, conv), ("bn", LayerKind.BatchNorm, bn));
        using var network = CanonicalNetwork.From(net);
        var step = Assert.Single(network.Nodes);
        Assert.Equal(new[] { "conv", "bn" }, step.Names);
        var input = rand(new long[] { 1, 2, 5, 5 }, generator: g);
        var relevance = rand(new long[] { 1, 3, 3, 3 }, generator: g);
        var actual = step.Name == "bn" ? new AlphaBetaRule().Propagate(step, input, relevance) : throw new InvalidOperationException();

        var w = ToArray4(conv.weight!);
        var cb = TestNets.Values(conv.bias!);
        var (gamma, beta, mean, variance) = (TestNets.Values(bn.weight!), TestNets.Values(bn.bias!), TestNets.Values(bn.running_mean!), TestNets.Values(bn.running_var!));
        var x = ToArray4(input);
        var r = ToArray4(relevance);
        var expected = new double[2, 5, 5];
        for (int o = 0; o < 3; o++)
        {
            double scale = gamma[o] / Math.Sqrt(variance[o] + bn.eps), bias = (cb[o] - mean[o]) * scale + beta[o];
            for (int oy = 0; oy < 3; oy++)
                for (int ox = 0; ox < 3; ox++)
                {
                    var taps = new List<(int C, int Y, int X, double Contribution)>();
                    for (int c = 0; c < 2; c++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++)
                            {
                                int y = oy * 2 - 1 + ky, xx = ox * 2 - 1 + kx;
                                if (y < 0 || y >= 5 || xx < 0 || xx >= 5) continue;
                                taps.Add((c, y, xx, x[0, c, y, xx] * w[o, c, ky, kx] * scale));
                            }
                    double positive = taps.Sum(t => Math.Max(t.Contribution, 0)) + Math.Max(bias, 0);
                    foreach (var t in taps) expected[t.C, t.Y, t.X] += Math.Max(t.Contribution, 0) / positive * r[0, o, oy, ox];
                }
        }
        var got = ToArray4(actual);
        for (int c = 0; c < 2; c++)
            for (int y = 0; y < 5; y++)
                for (int xx = 0; xx < 5; xx++)
                    Assert.True(Math.Abs(got[0, c, y, xx] - expected[c, y, xx]) < 1e-5, $"({c},{y},{xx}): {got[0, c, y, xx]} vs {expected[c, y, xx]}");
    }

    static Tensor ToTensor(double[,] a) =>
        tensor(Enumerable.Range(0, a.GetLength(0)).SelectMany(i => Enumerable.Range(0, a.GetLength(1)).Select(j => (float)a[i, j])).ToArray())
            .reshape(a.GetLength(0), a.GetLength(1));

    static double[,] ToArray(Tensor t, int rows, int columns)
    {
        var v = TestNets.Values(t);
        var result = new double[rows, columns];
        for (int i = 0; i < rows; i++) for (int j = 0; j < columns; j++) result[i, j] = v[i * columns + j];
        return result;
    }

    static double[,,,] ToArray4(Tensor t)
    {
        var v = TestNets.Values(t);
        var s = t.shape.Select(d => (int)d).ToArray();
        var result = new double[s[0], s[1], s[2], s[3]];
        int n = 0;
        for (int a = 0; a < s[0]; a++) for (int b = 0; b < s[1]; b++) for (int c = 0; c < s[2]; c++) for (int d = 0; d < s[3]; d++) result[a, b, c, d] = v[n++];
        return result;
    }

    static void AssertClose(double[,] expected, double[,] actual)
    {
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int j = 0; j < expected.GetLength(1); j++)
                Assert.True(Math.Abs(expected[i, j] - actual[i, j]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i, j])),
                    $"[{i},{j}]: expected {expected[i, j]}, got {actual[i, j]}");
    }
}
