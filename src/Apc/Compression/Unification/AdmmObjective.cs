using Apc.Models;
using Apc.Training;
using static TorchSharp.torch;

namespace Apc.Compression.Unification;

/// <summary>The loss of ADMM's W-step: the stage's compression objective (BCE + β·L_AM with the context's matcher, the
/// same terms every stage trains with) plus the term "admm" = ‖W − Z + U‖² with weight ρ/2, summed in
/// <see cref="LossTerms.Sum"/> like every other term.</summary>
public sealed class AdmmObjective : ITrainingObjective
{
    readonly CompressionObjective inner;
    readonly UnificationAdmm admm;
    readonly IReadOnlyList<string> parameters;

    /// <summary>Penalises the weights named <paramref name="parameters"/> (in <paramref name="admm"/>'s order).</summary>
    public AdmmObjective(CompressionObjective inner, UnificationAdmm admm, IReadOnlyList<string> parameters)
    {
        this.inner = inner; this.admm = admm; this.parameters = parameters;
    }

    /// <summary>The named, weighted terms of one batch: those of the compression objective, then "admm" (ρ/2).</summary>
    public IReadOnlyList<LossTerm> Terms(ClassifierNet model, Tensor images, Tensor labels, IDictionary<string, double> parts)
    {
        var terms = inner.Terms(model, images, labels, parts).ToList();
        var named = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        terms.Add(new LossTerm("admm", admm.Rho / 2, admm.Residual(parameters.Select(n => named[n]).ToList())));
        return terms;
    }

    /// <inheritdoc/>
    public Tensor Loss(ClassifierNet model, Tensor images, Tensor labels, IDictionary<string, double> parts) =>
        LossTerms.Sum(Terms(model, images, labels, parts), parts);
}
