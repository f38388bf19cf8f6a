namespace Apc.Data;

/// <summary>The role of a split: training, validation (model selection) or test (final numbers).</summary>
public enum SplitKind
{
    /// <summary>Training data.</summary>
    Train,
    /// <summary>Validation data (model selection).</summary>
    Val,
    /// <summary>Held-out test data (final numbers).</summary>
    Test,
}
