namespace Apc.Data;

/// <summary>The role of a split: training, validation (model selection) or test (final numbers).</summary>
public enum SplitKind
{
    Train,
    Val,
    Test,
}
