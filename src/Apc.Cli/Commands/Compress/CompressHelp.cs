namespace Apc.Cli.Commands;

/// <summary>The help text of each method's options: one sentence each, shared by the method's sub-command and by
/// compress pipeline (which takes the options of all its stages).</summary>
static class CompressHelp
{
    public const string Student = "Student architecture (built with the teacher's classes and input) or a .ckpt to start from.";
    public const string KdAlpha = "Weight α of distillation in (1−α)·BCE + α·KD.";
    public const string Temperature = "Distillation temperature T.";
    public const string FineTuneKd = "Weight α of logit distillation from the teacher while fine-tuning: (1−α)·BCE + α·KD at temperature 4 (+ β·L_AM). Default 0 (none); with --match none it is the control that tells a gain of matching maps from one of any teacher signal.";

    public const string Ratio = "Fraction of filters removed per pruned conv (reference 0.3; default 0.5 on every conv when neither --preset nor --layer-ratios is given).";
    public const string Criterion = "Filter ranking: l1 (filter norm) or attribution.";
    public const string Preset = "Which layers to prune: reference (conv1_1 and conv4_1..conv5_3 of VGG16, at --ratio or 0.3).";
    public const string LayerRatios = "Per-layer ratios, e.g. conv1_1=0.3,conv4_1=0.5 (set or override single layers).";
    public const string StructuredCalibrationImages = "Training images the attribution criterion scores filters on.";
    public const string StructuredRounds = "Prune-and-fine-tune rounds that reach the target ratio (1 = one-shot).";

    public const string UnstructuredRounds = "Prune-and-fine-tune rounds (reference 16).";
    public const string Rate = "Fraction of the remaining weights removed per round (reference 0.2).";
    public const string IncludeLinear = "Prune the linear layer too (reference: conv weights only).";

    public const string Blocks = "Diagonal blocks (groups) of every conv but the first, in a random permuted basis; a conv keeps 1/G of its weights and MACs.";
    public const string LayerBlocks = "Per-layer blocks, e.g. conv1_1=1,conv5_3=8 (set or override single convs; 1 = dense).";
    public const string PermutationSeed = "Seed of the channel permutations (kept in the architecture spec as block-seed).";

    public const string BlockShape = "Unification block RxS: R output filters x S consecutive weights of a filter (input channel, then kernel position); smaller blocks at the edges.";
    public const string ZeroFraction = "Fraction of all conv blocks unified to zero (pruned), those of smallest magnitude; the others keep one magnitude each.";
    public const string Rho = "ADMM penalty rho of the first iteration (weight rho/2 of |W - Z + U|^2 in the loss).";
    public const string RhoGrowth = "Factor applied to rho after every ADMM iteration (1 = constant).";
    public const string AdmmIterations = "ADMM iterations (W-step, projection, dual step) before the hard projection; 0 = project at once. --epochs, --lr and --lr-steps set the fine-tuning that follows.";
    public const string AdmmEpochs = "Training epochs of each ADMM W-step (at --lr, constant).";
    public const string IndexBits = "Index bits b per kernel, 1..8: every conv with k×k > 1 (the first included; 1×1 convs stay float) gets a codebook of 2^b kernels from seeded k-means (--seed).";
    public const string LayerIndexBits = "Per-layer index bits, e.g. conv1_1=0,conv5_3=6 (set or override single convs; 0 = leave float).";
    public const string CodebookBits = "Bits of the codebook's values, 2..8: one symmetric grid per layer (the paper's 6).";
    public const string KmeansIterations = "Most Lloyd iterations of each layer's k-means (it stops when no kernel changes entry).";

    public const string Bits = "Weight bits, 2..8.";
    public const string ActivationBits = "Activation bits, 2..8.";
    public const string QuantizeCalibrationImages = "Training images whose activation ranges calibrate the activation grids.";
    public const string NoQat = "Post-training quantization only: calibrate the grids and skip the quantization-aware fine-tuning (no training).";
    public const string RangeMomentum = "Momentum of the activation ranges during quantization-aware fine-tuning.";
}
